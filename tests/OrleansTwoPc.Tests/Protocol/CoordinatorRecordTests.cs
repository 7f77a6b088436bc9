using OrleansTwoPc.Protocol;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

public class CoordinatorRecordTests
{
    private static readonly DateTimeOffset Created = Wait.Start;

    private const string Op = "op-1";
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TransactionRequest Transfer = TransactionRequest.Transfer("alice", "bob", 10).Dated(Created);
    private static readonly AbortReason NoFunds = new(AbortCodes.InsufficientFunds, "alice has 0");

    private static CoordinatorRecord Begun(TransactionRequest? request = null)
    {
        request ??= Transfer;
        var record = new CoordinatorRecord();
        record.Begin(Op, request, request.Fingerprint(), T0);
        return record;
    }

    [Fact]
    public void New_record_is_phase_none_and_reports_unknown()
    {
        var record = new CoordinatorRecord();
        Assert.Equal(CoordinatorPhase.None, record.Phase);
        Assert.False(record.IsDecided);
        var outcome = record.ToOutcome(Op, replayed: false);
        Assert.Equal(TransactionStatus.Unknown, outcome.Status);
        Assert.Null(outcome.Reason);
        Assert.Null(outcome.DecidedAt);
        Assert.False(outcome.IsDecided);
    }

    [Fact]
    public void Begin_moves_none_to_preparing_as_attempt_one()
    {
        var record = Begun();
        Assert.Equal(CoordinatorPhase.Preparing, record.Phase);
        Assert.Equal(1, record.Epoch);
        Assert.Equal(Op, record.OperationId);
        Assert.Same(Transfer, record.Request);
        Assert.Equal(Transfer.Fingerprint(), record.Fingerprint);
        Assert.Equal(T0, record.CreatedAt);
        Assert.Equal(TransactionStatus.InProgress, record.Decision);
        Assert.False(record.IsDecided);
        Assert.False(record.IsOnePhase);
        Assert.Equal(TransactionStatus.InProgress, record.ToOutcome(Op, false).Status);
    }

    [Fact]
    public void Begin_twice_is_an_invariant_violation()
    {
        var record = Begun();
        Assert.Throws<ProtocolInvariantException>(() => record.Begin(Op, Transfer, Transfer.Fingerprint(), T0));
        Assert.Equal(CoordinatorPhase.Preparing, record.Phase);
    }

    [Fact]
    public void Commit_decision_moves_preparing_to_committing_then_completed()
    {
        var record = Begun();
        var decidedAt = T0.AddSeconds(1);

        record.Decide(true, null, [Vote.Yes, Vote.Yes], decidedAt, participantsDone: false);

        Assert.Equal(CoordinatorPhase.Committing, record.Phase);
        Assert.Equal(TransactionStatus.Committed, record.Decision);
        Assert.True(record.IsDecided);
        Assert.Equal(decidedAt, record.DecidedAt);
        Assert.Null(record.CompletedAt);
        Assert.Equal(new Vote?[] { Vote.Yes, Vote.Yes }, record.Votes!);

        record.Complete(T0.AddSeconds(2));

        Assert.Equal(CoordinatorPhase.Completed, record.Phase);
        Assert.Equal(TransactionStatus.Committed, record.Decision);
        Assert.Equal(T0.AddSeconds(2), record.CompletedAt);
        Assert.Equal(decidedAt, record.DecidedAt);
    }

    [Fact]
    public void Abort_decision_moves_preparing_to_aborting_then_completed()
    {
        var record = Begun();
        var no = Vote.No(NoFunds.Code, NoFunds.Message);

        record.Decide(false, NoFunds, [no, Vote.Yes], T0, participantsDone: false);

        Assert.Equal(CoordinatorPhase.Aborting, record.Phase);
        Assert.Equal(TransactionStatus.Aborted, record.Decision);
        Assert.Equal(NoFunds, record.Reason);

        record.Complete(T0);

        Assert.Equal(CoordinatorPhase.Completed, record.Phase);
        Assert.Equal(TransactionStatus.Aborted, record.Decision);
        Assert.Equal(NoFunds, record.Reason);
    }

    [Fact]
    public void One_phase_decision_with_participants_done_goes_straight_to_completed()
    {
        var record = Begun(TransactionRequest.Deposit("alice", 5).Dated(Created));
        Assert.True(record.IsOnePhase);

        record.Decide(true, null, [Vote.Yes], T0.AddSeconds(1), participantsDone: true);

        Assert.Equal(CoordinatorPhase.Completed, record.Phase);
        Assert.Equal(TransactionStatus.Committed, record.Decision);
        Assert.Equal(T0.AddSeconds(1), record.CompletedAt);
        Assert.Equal(T0.AddSeconds(1), record.DecidedAt);
    }

    [Fact]
    public void A_decision_never_changes()
    {
        var record = Begun();
        record.Decide(true, null, [Vote.Yes, Vote.Yes], T0, participantsDone: false);

        Assert.Throws<ProtocolInvariantException>(() => record.Decide(false, NoFunds, null, T0, participantsDone: false));
        Assert.Throws<ProtocolInvariantException>(() => record.Decide(true, null, null, T0, participantsDone: false));
        Assert.Equal(TransactionStatus.Committed, record.Decision);
        Assert.Equal(CoordinatorPhase.Committing, record.Phase);
    }

    [Fact]
    public void A_completed_decision_never_changes()
    {
        var record = Begun();
        record.Decide(false, NoFunds, null, T0, participantsDone: true);

        Assert.Throws<ProtocolInvariantException>(() => record.Decide(true, null, null, T0, participantsDone: true));
        Assert.Equal(TransactionStatus.Aborted, record.Decision);
    }

    [Fact]
    public void Decide_before_begin_is_an_invariant_violation() =>
        Assert.Throws<ProtocolInvariantException>(() => new CoordinatorRecord().Decide(false, NoFunds, null, T0, false));

    [Fact]
    public void Commit_with_a_no_vote_is_an_invariant_violation()
    {
        var record = Begun();
        Assert.Throws<ProtocolInvariantException>(() =>
            record.Decide(true, null, [Vote.Yes, Vote.No(AbortCodes.InsufficientFunds, "none")], T0, participantsDone: false));
        Assert.Equal(CoordinatorPhase.Preparing, record.Phase);
        Assert.False(record.IsDecided);
    }

    [Fact]
    public void Commit_with_a_missing_vote_is_an_invariant_violation()
    {
        var record = Begun();
        Assert.Throws<ProtocolInvariantException>(() => record.Decide(true, null, [Vote.Yes, null], T0, participantsDone: false));
        Assert.False(record.IsDecided);
    }

    [Fact]
    public void Commit_with_a_reason_or_abort_without_one_is_an_invariant_violation()
    {
        var record = Begun();
        Assert.Throws<ProtocolInvariantException>(() => record.Decide(true, NoFunds, null, T0, participantsDone: false));
        Assert.Throws<ProtocolInvariantException>(() => record.Decide(false, null, null, T0, participantsDone: false));
        Assert.False(record.IsDecided);
    }

    [Fact]
    public void Complete_before_a_decision_is_an_invariant_violation()
    {
        Assert.Throws<ProtocolInvariantException>(() => Begun().Complete(T0));
        Assert.Throws<ProtocolInvariantException>(() => new CoordinatorRecord().Complete(T0));
    }

    [Fact]
    public void Complete_twice_is_an_invariant_violation()
    {
        var record = Begun();
        record.Decide(true, null, null, T0, participantsDone: false);
        record.Complete(T0);
        Assert.Throws<ProtocolInvariantException>(() => record.Complete(T0));
    }

    [Theory]
    [InlineData(CoordinatorPhase.Preparing)]
    [InlineData(CoordinatorPhase.Committing)]
    [InlineData(CoordinatorPhase.Aborting)]
    public void NewAttempt_bumps_the_epoch_of_an_unfinished_record(CoordinatorPhase phase)
    {
        var record = Begun();
        if (phase != CoordinatorPhase.Preparing)
        {
            record.Decide(phase == CoordinatorPhase.Committing, phase == CoordinatorPhase.Committing ? null : NoFunds, null, T0, false);
        }

        record.NewAttempt();
        Assert.Equal(2, record.Epoch);
        record.NewAttempt();
        Assert.Equal(3, record.Epoch);
        Assert.Equal(phase, record.Phase);
    }

    [Fact]
    public void NewAttempt_on_an_empty_or_completed_record_is_an_invariant_violation()
    {
        Assert.Throws<ProtocolInvariantException>(() => new CoordinatorRecord().NewAttempt());
        var record = Begun();
        record.Decide(true, null, null, T0, participantsDone: true);
        Assert.Throws<ProtocolInvariantException>(record.NewAttempt);
        Assert.Equal(1, record.Epoch);
    }

    [Fact]
    public void ToOutcome_reports_the_decision_reason_and_time_in_every_phase_after_the_decision()
    {
        var record = Begun();
        record.Decide(false, NoFunds, null, T0.AddMinutes(1), participantsDone: false);

        var aborting = record.ToOutcome(Op, replayed: true);
        Assert.Equal(TransactionStatus.Aborted, aborting.Status);
        Assert.Equal(NoFunds, aborting.Reason);
        Assert.Equal(T0.AddMinutes(1), aborting.DecidedAt);
        Assert.True(aborting.Replayed);
        Assert.True(aborting.IsDecided);
        Assert.Equal(Op, aborting.OperationId);

        record.Complete(T0.AddMinutes(2));
        var completed = record.ToOutcome(Op, replayed: false);
        Assert.Equal(TransactionStatus.Aborted, completed.Status);
        Assert.Equal(T0.AddMinutes(1), completed.DecidedAt);
        Assert.False(completed.Replayed);
    }

    [Fact]
    public void ToOutcome_of_a_commit_has_no_reason()
    {
        var record = Begun();
        record.Decide(true, null, null, T0, participantsDone: false);
        var outcome = record.ToOutcome(Op, replayed: false);
        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.Null(outcome.Reason);
        Assert.Equal(T0, outcome.DecidedAt);
    }

    [Fact]
    public void ToOutcome_while_preparing_is_in_progress_and_undecided()
    {
        var outcome = Begun().ToOutcome(Op, replayed: false);
        Assert.Equal(TransactionStatus.InProgress, outcome.Status);
        Assert.False(outcome.IsDecided);
        Assert.Null(outcome.DecidedAt);
        Assert.Null(outcome.Reason);
    }
}
