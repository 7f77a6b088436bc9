using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Orleans.Configuration;
using OrleansTwoPc.Client;
using OrleansTwoPc.Security;

namespace OrleansTwoPc.Cli;

/// <summary>
/// A generic host running the Orleans client, connected to the cluster, and the <see cref="TransactionClient"/> on
/// top of it. Disposing it closes the connection.
/// </summary>
internal sealed partial class ClusterConnection : IAsyncDisposable
{
    private const string EnvironmentPrefix = "ORLEANSTWOPC_";

    // Pause between connection attempts while the cluster is unreachable (for example a silo still starting).
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly IHost _host;

    private ClusterConnection(IHost host, TransactionClient transactions)
    {
        _host = host;
        Transactions = transactions;
    }

    public TransactionClient Transactions { get; }

    /// <summary>The Orleans client under <see cref="Transactions"/>.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public async ValueTask DisposeAsync() => await StopAsync(_host);

    /// <summary>
    /// Builds the host from configuration (appsettings.json beside the executable, then ORLEANSTWOPC_ environment
    /// variables, then the command-line overrides) and connects, retrying until the connect timeout. With
    /// <c>TwoPc:Tls:Enabled</c> the connection to the gateway uses TLS (see <see cref="TlsSettings"/>).
    /// </summary>
    /// <exception cref="CliException">Bad configuration, or the cluster could not be reached in time.</exception>
    public static Task<ClusterConnection> ConnectAsync(string? gateway, double? connectTimeoutSeconds,
        CancellationToken cancellationToken) =>
        ConnectAsync(gateway, connectTimeoutSeconds, overrides: null, cancellationToken);

    /// <inheritdoc cref="ConnectAsync(string?, double?, CancellationToken)"/>
    /// <param name="overrides">Configuration applied after every other source (tests use it instead of the environment).</param>
    internal static async Task<ClusterConnection> ConnectAsync(string? gateway, double? connectTimeoutSeconds,
        IEnumerable<KeyValuePair<string, string?>>? overrides, CancellationToken cancellationToken)
    {
        // No Args: the command line belongs to System.CommandLine, not to the configuration.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var settings = ClusterSettings.Load(builder.Configuration, gateway, connectTimeoutSeconds);
        var tls = ClusterSettings.LoadTls(builder.Configuration);
        var options = LoadClientOptions(builder.Configuration.GetSection(TransactionClientOptions.Section));
        ConfigureLogging(builder.Logging);
        builder.Services.AddSingleton<IHostLifetime, CommandLineLifetime>();

        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(settings.ConnectTimeout);
        Exception? lastError = null;
        IHost? host = null;
        try
        {
            var endpoint = await settings.ResolveAsync(connectTimeout.Token);
            builder.UseOrleansClient(client =>
            {
                client
                    .UseStaticClustering(endpoint)
                    .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, settings.ServiceId))
                    // Shorter than ReconnectDelay, so every attempt really dials and the last error names the real cause
                    // (e.g. ConnectionRefused) instead of Orleans' "will retry after ..." backoff message.
                    .Configure<ConnectionOptions>(o => o.ConnectionRetryDelay = ReconnectDelay / 2)
                    .UseConnectionRetryFilter(async (error, token) =>
                    {
                        // Keep retrying until the connect timeout cancels the token; remember why, for the message.
                        lastError = error;
                        await Task.Delay(ReconnectDelay, token);
                        return true;
                    });
                if (tls is not null)
                {
                    client.UseTls(o => tls.Settings.ApplyTo(o, tls.Certificate, tls.Anchors, server: false));
                }
            });
            host = builder.Build();
            await host.StartAsync(connectTimeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await StopAsync(host);
            var reason = connectTimeout.IsCancellationRequested
                ? $"no connection within {settings.ConnectTimeout.TotalSeconds:0.##} s" + (lastError is null ? "" : $" ({Describe(lastError)})")
                : ex.Message;
            // A TLS mismatch shows up only as a connection dropped (or left silent) after it was accepted, never as
            // "connection refused": say what to check.
            if (lastError is null ? tls is not null : !Refused(lastError))
            {
                reason += tls is null
                    ? "; if the cluster uses TLS, set TwoPc:Tls:Enabled (and a certificate) for the client too"
                    : "; with TLS: check this client's certificate, TwoPc:Tls:TrustedCertificatePath, and that the cluster uses TLS";
            }

            throw new CliException("cluster-unreachable", $"cannot reach the cluster at {settings.Gateway}: {reason}", ex,
                ("gateway", settings.Gateway));
        }
        catch
        {
            await StopAsync(host);
            throw;
        }

        var transactions = new TransactionClient(host.Services.GetRequiredService<IClusterClient>(), options);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansTwoPc.Cli");
        transactions.Retrying += (attempt, error) => LogRetrying(logger, attempt, error.GetType().Name, error.Message);
        return new ClusterConnection(host, transactions);
    }

    // Orleans wraps the socket error ("ConnectionRefused") inside "unable to connect to any gateway"; show both ends.
    private static string Describe(Exception error)
    {
        var root = error;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        return root == error ? error.Message : $"{error.Message.TrimEnd('.')}: {root.Message}";
    }

    // Nothing listens there (as opposed to a listener that dropped the connection).
    private static bool Refused(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                || e.Message.Contains(nameof(SocketError.ConnectionRefused), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static TransactionClientOptions LoadClientOptions(IConfigurationSection section)
    {
        try
        {
            var options = section.Get<TransactionClientOptions>() ?? new TransactionClientOptions();
            options.Validate();
            return options;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // The first line only: argument exceptions append "Actual value was ..." on a second line.
            throw new CliException("invalid-configuration",
                $"invalid configuration in {TransactionClientOptions.Section}: {ex.Message.Split('\n')[0]}", ex);
        }
    }

    // stdout carries only the command's answer; logs go to stderr, Warning and above unless configured otherwise.
    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    // Closes the connection gracefully when it can, and never lets a slow shutdown delay the exit for long.
    private static async Task StopAsync(IHost? host)
    {
        if (host is null)
        {
            return;
        }

        try
        {
            using var stopTimeout = new CancellationTokenSource(StopTimeout);
            await host.StopAsync(stopTimeout.Token);
        }
        catch (Exception)
        {
            // Nothing to do: the process is about to exit and the silo notices the dropped connection.
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }
    }

    /// <summary>
    /// Replaces ConsoleLifetime: System.CommandLine already turns Ctrl+C into the command's cancellation token, and a
    /// second handler would abort the connect as if the cluster were unreachable.
    /// </summary>
    private sealed class CommandLineLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "retrying (attempt {Attempt}) after {ErrorType}: {ErrorMessage}")]
    private static partial void LogRetrying(ILogger logger, int attempt, string errorType, string errorMessage);
}
