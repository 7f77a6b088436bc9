using Orleans.Runtime;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Participants;

/// <summary>The ledger participant grain: the protocol from the base, the ledger rules (registered by AddLedger), one query.</summary>
[GrainType(ParticipantKinds.Ledger)]
public sealed class LedgerGrain(
    [PersistentState("ledger", TwoPcStorage.Name)] IPersistentState<ParticipantState<LedgerAccount>> storage,
    LedgerRules rules)
    : ParticipantGrain<LedgerAccount>(storage, rules), ILedgerGrain
{
    public Task<long> GetBalance() => ReadAsync(account => account.Balance);
}
