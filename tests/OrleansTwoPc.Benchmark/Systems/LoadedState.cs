using System.Diagnostics.CodeAnalysis;

namespace OrleansTwoPc.Benchmark.Systems;

/// <summary>A state to bulk-load through <see cref="Orleans.Storage.IGrainStorage"/>: no ETag, so the write creates the record.</summary>
internal sealed class LoadedState<T>(T state) : IGrainState<T>
{
    [AllowNull]
    public T State { get; set; } = state;

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }
}
