using System.CommandLine.Parsing;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansTwoPc.Cli;

/// <summary>The process exit codes; scripts rely on them.</summary>
internal static class ExitCodes
{
    /// <summary>Committed, a query answered, or an operator action done.</summary>
    public const int Success = 0;

    /// <summary>
    /// Bad input, conflict, expired request, unreachable cluster, unknown outcome, refused operator action: nothing
    /// definite is known to have happened.
    /// </summary>
    public const int Error = 1;

    /// <summary>A definite abort: nothing changed anywhere (also <c>status</c> of an aborted id).</summary>
    public const int Aborted = 2;
}
