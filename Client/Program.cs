using System.CommandLine;
using OrleansTwoPc.Cli;

// The OrleansTwoPc command-line client: submits transactions through TransactionClient, queries outcomes, and gives
// operators a view of coordinators, participants and unfinished transactions.
//
//   Cli/Commands.cs           the commands and options (System.CommandLine); Commands.InvokeAsync is the whole CLI
//   Cli/Calls.cs              per command: check input locally, then connect and call TransactionClient
//   Cli/Inputs.cs             amounts and shard counts typed on the command line, generated operation ids
//   Cli/RequestFile.cs        the JSON request file of `submit`
//   Cli/ClientConfiguration.cs  settings the commands themselves read (TwoPc:RecoveryShards)
//   Cli/ClusterSettings.cs    gateway, cluster ids and connect timeout from configuration and options
//   Cli/ClusterConnection.cs  the generic host with the Orleans client, connected within a timeout
//   Cli/Output.cs             human or JSON rendering, and the exit codes; Cli/AdminOutput.cs for operator commands
//   Cli/CliException.cs       errors the CLI itself reports (unreachable cluster, unreadable file, ...)
//
// Exit codes: 0 committed, query answered or operator action done; 2 aborted (nothing changed; status of an aborted id too); 1 any error. After
// an error while a transaction ran its outcome may be unknown: run the same command with the same --op-id, or
// `status <id>`.

// Ctrl+C and SIGTERM cancel the command's token (and get 2 s to report) only when this timeout is set explicitly:
// System.CommandLine 2.0.0's default configuration installs no signal handler.
return await Commands.InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(2) });
