namespace OrleansTwoPc;

/// <summary>A participant's answer to prepare (or to a one-phase commit): yes, or no with the reason.</summary>
[GenerateSerializer, Immutable, Alias("twopc.vote")]
public sealed record Vote([property: Id(0)] bool IsYes, [property: Id(1)] AbortReason? Reason)
{
    public static readonly Vote Yes = new(true, null);

    public static Vote No(string code, string message) => new(false, new AbortReason(code, message));

    public override string ToString() => IsYes ? "yes" : $"no ({Reason})";
}
