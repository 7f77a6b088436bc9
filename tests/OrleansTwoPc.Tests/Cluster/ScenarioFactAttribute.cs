using OrleansTwoPc.Tests.Postgres;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>
/// A fact of the shared scenario suite. Like <see cref="FactAttribute"/>, except that it is skipped when the concrete
/// test class needs a backend this machine does not have (<see cref="RequiresPostgresAttribute"/>): the attribute sits
/// on the abstract suite, so only a discoverer, which sees the concrete class, can decide.
/// </summary>
[XunitTestCaseDiscoverer("OrleansTwoPc.Tests.Cluster.ScenarioFactDiscoverer", "OrleansTwoPc.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ScenarioFactAttribute : FactAttribute;

public sealed class ScenarioFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod,
        IAttributeInfo factAttribute)
    {
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        var needsPostgres = testClass?.IsDefined(typeof(RequiresPostgresAttribute), inherit: true) == true;
        return needsPostgres && PostgresEnvironment.SkipReason is { } reason
            ? new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)
            : base.CreateTestCase(discoveryOptions, testMethod, factAttribute);
    }
}
