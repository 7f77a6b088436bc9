namespace OrleansTwoPc;

/// <summary>A participant's identity: kind (grain type) plus key.</summary>
[GenerateSerializer, Immutable, Alias("twopc.participant-id")]
public readonly record struct ParticipantId([property: Id(0)] string Kind, [property: Id(1)] string Key)
{
    public override string ToString() => $"{Kind}/{Key}";
}
