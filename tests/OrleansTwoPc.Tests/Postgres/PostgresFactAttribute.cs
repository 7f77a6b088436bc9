using Xunit.Abstractions;
using Xunit.Sdk;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>A fact that needs PostgreSQL: skipped when <c>ORLEANSTWOPC_POSTGRES</c> is unset, unless <c>CI=true</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// Marks a test class whose inherited <see cref="Cluster.ScenarioFactAttribute"/> tests need PostgreSQL (the shared
/// scenario suite run on the PostgreSQL backend): they are skipped like <see cref="PostgresFactAttribute"/> tests.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;
