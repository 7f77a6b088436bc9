using System.CommandLine;
using OrleansTwoPc.Cli;

// The OrleansTwoPc command-line client: submits transactions through TransactionClient and queries outcomes.
//
//   Cli/Commands.cs           the commands and options (System.CommandLine)
//   Cli/Calls.cs              per command: check input locally, then connect and call TransactionClient
//   Cli/Inputs.cs             amounts typed on the command line, generated operation ids
//   Cli/RequestFile.cs        the JSON request file of `submit`
//   Cli/ClusterSettings.cs    gateway, cluster ids and connect timeout from configuration and options
//   Cli/ClusterConnection.cs  the generic host with the Orleans client, connected within a timeout
//   Cli/Output.cs             human or JSON rendering, and the exit codes
//   Cli/CliException.cs       errors the CLI itself reports (unreachable cluster, unreadable file, ...)
//
// Exit codes: 0 committed or query answered, 2 aborted (nothing changed), 1 any error. After an error while a
// transaction ran its outcome may be unknown: run the same command with the same --op-id, or `status <id>`.

var parse = Commands.Build().Parse(args);

// With --json even a malformed command line answers with one JSON object, so scripts never parse help text.
if (parse.Errors.Count > 0 && parse.GetValue(Commands.Json))
{
    return Output.ParseErrors(parse.Errors);
}

// Ctrl+C and SIGTERM cancel the command's token (and get 2 s to report) only when this timeout is set explicitly:
// System.CommandLine 2.0.0's parameterless InvokeAsync() installs no signal handler.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(2) });
