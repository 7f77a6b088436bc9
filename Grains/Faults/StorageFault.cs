using Orleans.Storage;

namespace OrleansTwoPc.Faults;

/// <summary>What to do to one storage write.</summary>
internal enum StorageFault
{
    None,

    /// <summary>Throw before the write reaches storage: nothing landed.</summary>
    FailBeforeWrite,

    /// <summary>Let the write land, then throw: the caller cannot tell it landed.</summary>
    FailAfterWrite,
}
