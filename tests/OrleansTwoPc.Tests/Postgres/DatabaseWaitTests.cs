using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Tests.Cli;
using OrleansTwoPc.Tests.Http;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>
/// A silo started while its PostgreSQL is unreachable waits, retrying with backoff and logging each attempt, and serves
/// once the database is back. The database is real: its port is a proxy to the test server that starts listening only
/// after the silo has failed twice to connect.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseWaitTests
{
    [PostgresFact]
    public async Task Postgres_a_silo_started_while_the_database_is_down_waits_logging_each_attempt_and_serves_once_it_is_back()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        var server = new NpgsqlConnectionStringBuilder(schema.ConnectionString);
        await using var proxy = new TcpProxy(CliClusterFixture.FreePort(), server.Host!, server.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;
        var clusterId = $"dbwait-{Guid.NewGuid():N}";
        var httpPort = CliClusterFixture.FreePort();
        var attempts = new AttemptLog();
        using var host = SiloHost.Build(
        [
            "--TwoPc:Storage:Provider=Postgres", $"--TwoPc:Storage:ConnectionString={viaProxy}",
            $"--TwoPc:Cluster:ClusterId={clusterId}", $"--TwoPc:Cluster:ServiceId={clusterId}",
            $"--TwoPc:Cluster:SiloPort={CliClusterFixture.FreePort()}", $"--TwoPc:Cluster:GatewayPort={CliClusterFixture.FreePort()}",
            $"--TwoPc:Http:Port={httpPort}",
            "--TwoPc:Storage:StartWait:InitialBackoff=00:00:00.100", "--TwoPc:Storage:StartWait:MaxBackoff=00:00:00.400",
            "--Logging:LogLevel:Default=Warning",
        ], builder => builder.Logging.AddProvider(attempts));

        var start = host.StartAsync();
        await attempts.Reached(3).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(start.IsCompleted, "the silo must not start (nor fail) while its database is down");
        proxy.Start();
        await start.WaitAsync(TimeSpan.FromSeconds(60));

        using var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{httpPort}/")) };
        using var deposit = await http.PostAsync(Api.Key("dbwait"), Api.Body(("ledger", "dbwait-a", "credit", 5)));
        Assert.Equal(HttpStatusCode.OK, deposit.StatusCode);
        Assert.Equal("committed", (await deposit.JsonAsync()).GetProperty("status").GetString());
        Assert.All(attempts.Messages.Take(3), m => Assert.Matches(@"^Waiting for PostgreSQL \(host 127\.0\.0\.1:\d+, .*\): attempt \d+ failed", m));
        Assert.Equal(["1", "2", "3"], attempts.Messages.Take(3).Select(m => m.Split("attempt ")[1].Split(' ')[0]));
        Assert.DoesNotContain("password", string.Concat(attempts.Messages), StringComparison.OrdinalIgnoreCase);
        await host.StopAsync(CancellationToken.None);
    }

    /// <summary>Collects the "waiting for PostgreSQL" log lines (event 150) and signals when N have been written.</summary>
    private sealed class AttemptLog : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _messages = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiters = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public Task Reached(int count) => _waiters.GetOrAdd(count, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (eventId.Id != 150 || !message.StartsWith("Waiting for PostgreSQL", StringComparison.Ordinal))
            {
                return;
            }

            _messages.Enqueue(message);
            Reached(_messages.Count);
            foreach (var (count, waiter) in _waiters)
            {
                if (_messages.Count >= count)
                {
                    waiter.TrySetResult();
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
