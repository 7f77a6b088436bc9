using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;

namespace OrleansTwoPc.Tests.Hosting;

/// <summary>What the packages promise beyond the protocol: renamed settings still read, log event ids unique.</summary>
public sealed class LibraryShapeTests
{
    [Fact]
    public void The_former_PrepareTimeout_setting_still_sets_the_participant_call_timeout()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["TwoPc:PrepareTimeout"] = "00:00:07" }).Build();

        var options = configuration.GetSection(TwoPcOptions.Section).Get<TwoPcOptions>()!;

        Assert.Equal(TimeSpan.FromSeconds(7), options.ParticipantCallTimeout);
    }

    [Fact]
    public void Every_log_event_id_is_used_once_across_the_shipped_assemblies_and_the_host()
    {
        Assembly[] assemblies =
        [
            typeof(TwoPcOptions).Assembly, typeof(TwoPcPostgresOptions).Assembly,
            typeof(OrleansTwoPc.Storage.Sqlite.TwoPcSqliteOptions).Assembly, typeof(HostedTwoPc).Assembly,
        ];
        var ids = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();

        Assert.True(ids.Count >= 10, $"found only {ids.Count} log messages: the scan is not seeing them");
        var reused = ids.GroupBy(x => x.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Method))}").ToList();
        Assert.True(reused.Count == 0, "event ids used twice: " + string.Join("; ", reused));
    }

    [Fact]
    public void The_postgres_back_end_keeps_its_tables_in_its_own_schema_by_default()
    {
        var options = new TwoPcPostgresOptions { ConnectionString = "Host=db;Database=app;Username=u;Password=p" };
        options.Validate();

        Assert.Contains("Search Path=twopc", options.ServiceConnectionString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(options.InstallSchema);
        Assert.False(options.InstallMembershipSchema);
    }
}
