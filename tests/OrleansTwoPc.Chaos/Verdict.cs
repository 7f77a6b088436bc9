using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>The violation counts of one run (each must be 0) and the evidence behind every non-zero count.</summary>
public sealed class Verdict
{
    private const int MaxEvidence = 40;
    private readonly List<string> _evidence = [];
    private readonly HashSet<(string Kind, string Id)> _counted = [];

    public int Lost { get; private set; }
    public int Duplicated { get; private set; }
    public int Mismatched { get; private set; }
    public int Torn { get; private set; }
    public int Stuck { get; private set; }

    /// <summary>Protocol invariant assertions the service itself raised (logged, in abort reasons or to clients).</summary>
    public int InvariantFailures { get; set; }

    /// <summary>Replays of a decided id answered without <c>Replayed = true</c>: reported, not a violation of the checker's five.</summary>
    public int ReplayFlagMissing { get; set; }

    /// <summary>Ids whose coordinator has no record: never ran, so nothing to finish (not a violation by itself).</summary>
    public int NeverRan { get; set; }

    public bool Clean => Lost + Duplicated + Mismatched + Torn + Stuck + InvariantFailures == 0;

    /// <summary>One line per violation, with the id, each participant's trail and the coordinator status; capped.</summary>
    public IReadOnlyList<string> Evidence => _evidence;

    public int EvidenceDropped { get; private set; }

    public void AddLost(string id, string why) => Add("lost", id, why, () => Lost++);

    public void AddDuplicated(string subject, string why) => Add("duplicated", subject, why, () => Duplicated++);

    public void AddMismatched(string id, string why) => Add("mismatched", id, why, () => Mismatched++);

    public void AddTorn(string id, string why) => Add("torn", id, why, () => Torn++);

    public void AddStuck(string subject, string why) => Add("stuck", subject, why, () => Stuck++);

    // Each subject counts once per kind of violation, however many pieces of evidence it has.
    private void Add(string kind, string subject, string why, Action count)
    {
        if (_counted.Add((kind, subject)))
        {
            count();
        }

        if (_evidence.Count < MaxEvidence)
        {
            _evidence.Add(string.Create(CultureInfo.InvariantCulture, $"{kind.ToUpperInvariant()} {subject}: {why}"));
        }
        else
        {
            EvidenceDropped++;
        }
    }
}
