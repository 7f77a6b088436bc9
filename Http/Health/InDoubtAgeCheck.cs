using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansTwoPc.Http.Health;

/// <summary>
/// Unhealthy while the oldest transaction the recovery registry lists as unfinished is older than
/// <see cref="TwoPcHttpOptions.MaxInDoubtAge"/>: recovery is not finishing it (a participant unreachable, storage
/// failing), and an operator should look (<c>GET /admin/in-doubt</c>). Reads the registry only: wakes no coordinator.
/// </summary>
internal sealed class InDoubtAgeCheck(TwoPcApi api, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var limit = api.Options.MaxInDoubtAge;
        IReadOnlyList<PendingOperation> pending;
        try
        {
            pending = await api.Transactions.InDoubtAsync(api.Options.RecoveryShards).WaitAsync(api.Options.Wait, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"the recovery registry did not answer: {ex.GetType().Name}: {ex.Message}", ex);
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["unfinished"] = pending.Count,
            ["maxAgeSeconds"] = limit.TotalSeconds,
        };
        if (pending.Count == 0)
        {
            return HealthCheckResult.Healthy("no unfinished transactions", data);
        }

        var oldest = pending[0];
        var age = time.GetUtcNow() - oldest.StartedAt;
        data["oldestOperationId"] = oldest.OperationId;
        data["oldestAgeSeconds"] = Math.Round(age.TotalSeconds, 3);
        var description = string.Create(CultureInfo.InvariantCulture,
            $"{pending.Count} unfinished; the oldest, {oldest.OperationId}, started {age.TotalSeconds:0.#} s ago (limit {limit.TotalSeconds:0.#} s)");
        return age > limit ? HealthCheckResult.Unhealthy(description, data: data) : HealthCheckResult.Healthy(description, data);
    }
}
