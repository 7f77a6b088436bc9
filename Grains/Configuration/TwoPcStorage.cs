namespace OrleansTwoPc.Configuration;

/// <summary>The grain storage names OrleansTwoPc uses.</summary>
public static class TwoPcStorage
{
    /// <summary>
    /// The storage every coordinator and participant grain persists to (<c>[PersistentState(..., TwoPcStorage.Name)]</c>
    /// in a participant kind). <c>AddTwoPc</c> registers it over the provider named by <see cref="TwoPcOptions.GrainStorageName"/>.
    /// </summary>
    public const string Name = "twopc";

    /// <summary>The default <see cref="TwoPcOptions.GrainStorageName"/>: the provider the bundled back ends register.</summary>
    public const string DefaultProviderName = "twopc-database";
}
