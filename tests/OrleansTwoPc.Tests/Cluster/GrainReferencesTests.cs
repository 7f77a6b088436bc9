using OrleansTwoPc.Recovery;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>References made from the learned grain and interface types equal Orleans' own, for every key shape.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(MemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Cluster.Client;

    [Fact]
    public async Task Every_key_shape_gives_the_reference_GetGrain_gives()
    {
        var coordinators = new GrainReferences<ITransactionCoordinatorGrain>(_client);
        var shards = new GrainReferences<IRecoveryShardGrain>(_client);
        var participants = new GrainReferences<IParticipantGrain>(_client);
        // The first call of each learns the types; the second builds from them.
        foreach (var round in new[] { "first", "second" })
        {
            Same(_client.GetGrain<ITransactionCoordinatorGrain>($"refs-{round}"), coordinators.Get($"refs-{round}"));
            Same(_client.GetGrain<IRecoveryShardGrain>(round.Length), shards.Get(round.Length));
            foreach (var kind in new[] { ParticipantKinds.Ledger, ParticipantKinds.Inventory })
            {
                var id = GrainId.Create(kind, $"refs-{round}");
                Same(_client.GetGrain<IParticipantGrain>(id), participants.Get(id));
            }
        }

        // And a learned reference reaches its grain: an unknown operation id answers "unknown".
        var status = await coordinators.Get($"refs-{Guid.NewGuid():N}").GetStatus();
        Assert.Equal(TransactionStatus.Unknown, status.Status);
    }

    private static void Same(object expected, object actual)
    {
        var (e, a) = ((GrainReference)expected, (GrainReference)actual);
        Assert.Equal(e.GrainId, a.GrainId);
        Assert.Equal(e.InterfaceType, a.InterfaceType);
        Assert.Equal(e, a);
    }
}
