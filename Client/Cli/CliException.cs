namespace OrleansTwoPc.Cli;

/// <summary>
/// An error the CLI reports itself (unreachable cluster, unreadable request file, bad configuration, cancellation).
/// <see cref="Type"/> is the stable <c>error.type</c> of the JSON output; <see cref="Details"/> are extra JSON fields.
/// </summary>
public sealed class CliException : Exception
{
    public CliException(string type, string message, Exception? innerException, params (string Name, string Value)[] details)
        : base(message, innerException)
    {
        Type = type;
        Details = details;
    }

    public CliException(string type, string message, params (string Name, string Value)[] details)
        : this(type, message, null, details)
    {
    }

    public CliException() : this("error", "error")
    {
    }

    public CliException(string message) : this("error", message)
    {
    }

    public CliException(string message, Exception innerException) : this("error", message, innerException)
    {
    }

    public string Type { get; }

    public IReadOnlyList<(string Name, string Value)> Details { get; }
}
