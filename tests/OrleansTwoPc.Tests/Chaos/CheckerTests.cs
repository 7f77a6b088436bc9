using OrleansTwoPc.Chaos;
using static OrleansTwoPc.Tests.Chaos.CheckerStory;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>
/// Every branch of the chaos checker, one planted fault each: a clean chaos run proves something only if the checker
/// sees each kind of violation when it is there, and counts it once, under the right name and no other.
/// </summary>
public sealed class CheckerTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_honest_story_is_clean_with_and_without_trails(bool trails)
    {
        Expect(new CheckerStory().Check(trails));
        Expect(new CheckerStory(TransactionStatus.Aborted).Check(trails));
    }

    [Fact]
    public void Aborted_but_a_participant_applied_it_is_torn()
    {
        var story = new CheckerStory(TransactionStatus.Aborted);
        story.Participant(A, 90, [Ended("d1", Deposit.Operations[0]), Ended("t1", Transfer.Operations[0])]);
        story.Participant(B, 10, [Ended("t1", Transfer.Operations[1])]);

        Expect(story.Check(), torn: 1, evidence: "status Aborted, but 2 participants committed it");
        // Without trails only values show it: each account differs from what the committed statuses predict, and the
        // evidence names the operation whose effect is the difference.
        Expect(story.Check(trails: false), duplicated: 2, evidence: "operations with an effect of that size there: t1 transfer (Aborted insufficient-funds)");
    }

    [Fact]
    public void A_participant_that_applied_another_operation_than_asked_is_torn()
    {
        var story = new CheckerStory();
        // Same action and amount (so every sum still agrees), but the operation it recorded names another account.
        var other = new ParticipantOperation(ParticipantKinds.Ledger, "z", LedgerActions.Debit, 10);
        story.Participant(A, 90, [Ended("d1", Deposit.Operations[0]), Ended("t1", other)]);

        Expect(story.Check(), torn: 1, evidence: "instead of");
    }

    [Fact]
    public void Committed_but_missing_at_a_participant_is_lost_torn_and_breaks_conservation()
    {
        var story = new CheckerStory();
        story.Participant(B, 0, []);

        Expect(story.Check(), lost: 1, torn: 1, duplicated: 1, evidence: "1 of 2 participants have no committed entry");
    }

    [Fact]
    public void Told_committed_but_aborted_is_lost_and_mismatched()
    {
        var story = new CheckerStory(TransactionStatus.Aborted);
        story.T1Record.Add(Answer(Submission.Replay, TransactionStatus.Committed, T1, replayed: true));

        Expect(story.Check(), lost: 1, mismatched: 1, evidence: "client was told committed, final status Aborted");
    }

    [Theory]
    [InlineData("conflict")]
    [InlineData("invalid")]
    [InlineData("in-progress")]
    public void A_conflict_an_invalid_request_error_or_an_undecided_answer_for_the_unchanged_request_is_mismatched(string answer)
    {
        var story = new CheckerStory();
        story.T1Record.Add(answer switch
        {
            "conflict" => Response.From(Submission.Replay, new OperationConflictException("t1")),
            "invalid" => Response.From(Submission.Replay, new InvalidRequestException("amount", "must be positive")),
            _ => Answer(Submission.Replay, TransactionStatus.InProgress, null),
        });

        Expect(story.Check(), mismatched: 1, evidence: "for a valid, unchanged request");
    }

    [Fact]
    public void Two_decisions_for_one_id_are_mismatched()
    {
        var story = new CheckerStory();
        // Same status, another decision time: a second coordinator decided the id again.
        story.T1Record.Add(Answer(Submission.ConcurrentDuplicate, TransactionStatus.Committed, T1.AddSeconds(5)));

        Expect(story.Check(), mismatched: 1, evidence: "another decision than the final one");
    }

    [Fact]
    public void Another_abort_reason_than_the_final_one_is_mismatched()
    {
        var story = new CheckerStory(TransactionStatus.Aborted);
        story.T1Record.Add(Answer(Submission.Replay, TransactionStatus.Aborted, T1, AbortCodes.ParticipantFailed, replayed: true));

        Expect(story.Check(), mismatched: 1);
    }

    [Fact]
    public void A_status_unreadable_after_quiescence_is_stuck()
    {
        var story = new CheckerStory();
        story.Statuses.Remove("t1");

        Expect(story.Check(), stuck: 1, evidence: "status unreadable after quiescence");
    }

    [Fact]
    public void A_decided_but_not_completed_status_is_stuck()
    {
        var story = new CheckerStory();
        story.Statuses["t1"] = Outcome("t1", TransactionStatus.Committed, T1, completed: false);

        Expect(story.Check(), stuck: 1, evidence: "not completed after quiescence");
    }

    [Fact]
    public void A_prepared_record_left_after_quiescence_is_stuck()
    {
        var story = new CheckerStory();
        story.Participant(A, 90, [Ended("d1", Deposit.Operations[0]), Ended("t1", Transfer.Operations[0])],
            [new PreparedEntry("t2", 1, new ParticipantOperation(ParticipantKinds.Ledger, "a", LedgerActions.Debit, 5), T1)], held: 5);

        Expect(story.Check(), stuck: 1, evidence: "still prepared");
    }

    [Fact]
    public void Reservations_without_a_prepared_record_are_stuck()
    {
        var story = new CheckerStory();
        story.Participant(A, 90, [Ended("d1", Deposit.Operations[0]), Ended("t1", Transfer.Operations[0])], held: 10);

        Expect(story.Check(), stuck: 1, evidence: "no prepared record but reservations remain");
    }

    [Fact]
    public void An_id_no_client_submitted_committed_at_participants_is_duplicated()
    {
        var story = new CheckerStory();
        var ghost = TransactionRequest.Transfer("a", "b", 5);
        // Applied consistently at both sides (values match their trails, money is conserved): only the id betrays it.
        story.Participant(A, 85, [Ended("d1", Deposit.Operations[0]), Ended("t1", Transfer.Operations[0]), Ended("ghost", ghost.Operations[0])]);
        story.Participant(B, 15, [Ended("t1", Transfer.Operations[1]), Ended("ghost", ghost.Operations[1])]);

        Expect(story.Check(), duplicated: 2, evidence: "committed ghost, an id no client submitted");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_effect_applied_twice_is_duplicated_at_the_participant_and_in_the_total(bool trails)
    {
        var story = new CheckerStory();
        story.Participant(A, 80, [Ended("d1", Deposit.Operations[0]), Ended("t1", Transfer.Operations[0])]);

        Expect(story.Check(trails), duplicated: 2, evidence: trails ? "trail's committed operations sum to 90" : "committed operations naming it sum to 90");
    }

    [Fact]
    public void A_value_read_that_disagrees_with_the_participant_snapshot_is_duplicated()
    {
        var story = new CheckerStory();
        story.Snapshots[A] = story.Snapshots[A] with { Value = "balance=95 held=0 incoming=0" };

        Expect(story.Check(), duplicated: 1, evidence: "value 90 (balance=95");
    }

    [Fact]
    public void A_replay_without_the_replayed_flag_is_reported_but_not_a_violation()
    {
        var story = new CheckerStory();
        story.T1Record.Add(Answer(Submission.Replay, TransactionStatus.Committed, T1, replayed: false));

        var verdict = story.Check();

        Expect(verdict);
        Assert.Equal(1, verdict.ReplayFlagMissing);
    }

    [Fact]
    public void An_id_that_never_ran_is_counted_but_not_a_violation()
    {
        var story = new CheckerStory();
        story.History.Start("t9", "transfer", Transfer).Add(Response.From(Submission.First, new TimeoutException("gave up")));
        story.Statuses["t9"] = Outcome("t9", TransactionStatus.Unknown, null, completed: false);

        var verdict = story.Check();

        Expect(verdict);
        Assert.Equal(1, verdict.NeverRan);
    }

    /// <summary>Asserts the five violation counts exactly (and the evidence when given), showing all evidence when they differ.</summary>
    internal static void Expect(Verdict verdict, int lost = 0, int duplicated = 0, int mismatched = 0, int torn = 0, int stuck = 0, string? evidence = null)
    {
        var all = string.Join("\n", verdict.Evidence);
        Assert.True((lost, duplicated, mismatched, torn, stuck) == (verdict.Lost, verdict.Duplicated, verdict.Mismatched, verdict.Torn, verdict.Stuck),
            $"expected lost={lost} duplicated={duplicated} mismatched={mismatched} torn={torn} stuck={stuck}, got lost={verdict.Lost} " +
            $"duplicated={verdict.Duplicated} mismatched={verdict.Mismatched} torn={verdict.Torn} stuck={verdict.Stuck}\n{all}");
        Assert.Equal(lost + duplicated + mismatched + torn + stuck == 0, verdict.Clean);
        if (evidence is not null)
        {
            Assert.Contains(evidence, all, StringComparison.Ordinal);
        }
    }
}
