using OrleansTwoPc.Chaos;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>
/// <c>--delays</c> must be replayable: which protocol message is held, and how, depends on the seed and the message
/// alone (not on which thread asked first), and a share of the holds outlasts the protocol's timeouts.
/// </summary>
public sealed class MessageDelaysTests
{
    private static readonly TimeSpan Timeouts = TimeSpan.FromSeconds(2);
    private static readonly GrainId Account = GrainId.Create(ParticipantKinds.Ledger, "acct-01");

    [Fact]
    public void The_same_seed_holds_the_same_messages_the_same_way_in_any_order()
    {
        var ids = Enumerable.Range(0, 2_000).Select(i => $"s1-c0-{i}").ToList();
        var forward = Holds(new MessageDelays(1, 0.05, Timeouts), ids);
        var backward = Holds(new MessageDelays(1, 0.05, Timeouts), Enumerable.Reverse(ids).ToList());
        var otherSeed = Holds(new MessageDelays(2, 0.05, Timeouts), ids);

        Assert.Equal(forward, backward);
        Assert.NotEqual(forward, otherSeed);
        var held = forward.Values.Where(h => h.Delay > TimeSpan.Zero).ToList();
        Assert.InRange(held.Count, 60, 140); // 5 % of 2,000
        Assert.Contains(held, h => h.Delay > Timeouts);
        Assert.Contains(held, h => h.Delay < Timeouts);
        Assert.Contains(held, h => h.BeforeAnswer);
        Assert.Contains(held, h => !h.BeforeAnswer);
    }

    [Fact]
    public void A_resent_message_gets_its_own_draw_and_nothing_is_held_while_disarmed()
    {
        var delays = new MessageDelays(3, 1.0, Timeouts) { Armed = true };
        var holds = Enumerable.Range(0, 50).Select(_ => delays.Next("Commit", Account, "t1", oneWay: false)).Distinct().Count();
        Assert.True(holds > 40, $"{holds} distinct holds for 50 resends");
        Assert.Equal(50, delays.Delayed);

        delays.Armed = false;
        Assert.Equal(Hold.None, delays.Next("Commit", Account, "t1", oneWay: false));
        Assert.False(new MessageDelays(3, 1.0, Timeouts) { Armed = true }.Next("Forget", Account, "t1", oneWay: true).BeforeAnswer);
    }

    [Theory]
    [InlineData(typeof(ILedgerGrain), "CommitOnePhase", true)]
    [InlineData(typeof(IParticipantGrain), "Forget", true)]
    [InlineData(typeof(ITransactionCoordinatorGrain), "GetStatus", true)]
    [InlineData(typeof(ITransactionCoordinatorGrain), "GetDecision", true)]
    [InlineData(typeof(ITransactionCoordinatorGrain), "Execute", false)]
    [InlineData(typeof(ILedgerGrain), "GetBalance", false)]
    [InlineData(typeof(IManagementGrain), "GetHosts", false)]
    public void Protocol_messages_are_chosen_by_interface_and_method_name(Type grainInterface, string method, bool chosen) =>
        Assert.Equal(chosen, MessageDelays.IsProtocolMessage(grainInterface, method));

    private static Dictionary<string, Hold> Holds(MessageDelays delays, List<string> ids)
    {
        delays.Armed = true;
        return ids.ToDictionary(id => id, id => delays.Next("Prepare", Account, id, oneWay: false));
    }
}
