using System.CommandLine;
using OrleansTwoPc.Cli;

namespace OrleansTwoPc.Tests.Cli;

/// <summary>What one CLI run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout without the trailing newline.</summary>
    public string Out => Stdout.TrimEnd('\r', '\n');

    /// <summary>Stderr without the trailing newline.</summary>
    public string Err => Stderr.TrimEnd('\r', '\n');

    /// <summary>Asserts the exit code, showing everything printed when it differs.</summary>
    public CliResult Exits(int expected)
    {
        Assert.True(ExitCode == expected, $"expected exit {expected}, got {this}");
        return this;
    }

    public override string ToString() => $"[exit {ExitCode}]\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs the CLI in this process exactly as <c>Program</c> does (<see cref="Commands.InvokeAsync"/>: parse, local
/// checks, connect, call, render), with stdout and stderr captured. No signal handlers are installed.
/// </summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await Commands.InvokeAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr });
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs against <paramref name="gateway"/> with a short connect timeout.</summary>
    public static Task<CliResult> AtAsync(string gateway, params string[] args) =>
        RunAsync(["--gateway", gateway, "--connect-timeout", "10", .. args]);
}
