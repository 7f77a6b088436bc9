using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansTwoPc.Http;

/// <summary>
/// Turns what the service throws into Problem Details: bad input 400, a reused key or an expired request 422, a
/// refused operator action 409, a cluster that did not answer 503. Anything else is a bug and stays a 500.
/// </summary>
internal sealed partial class ProblemFilter(ILogger<ProblemFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (InvalidRequestException ex)
        {
            return Problems.Invalid(ex);
        }
        catch (OperationConflictException ex)
        {
            LogConflict(logger, ex.OperationId);
            return Problems.Conflict(ex);
        }
        catch (OperationExpiredException ex)
        {
            return Problems.Expired(ex);
        }
        catch (OperatorActionRefusedException ex)
        {
            return Problems.Refused(ex);
        }
        catch (Exception ex) when (ex is OutcomeUnknownException or TimeoutException or Orleans.Runtime.OrleansException
                                       && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogUnavailable(logger, ex, context.HttpContext.Request.Path);
            return Problems.Unavailable(ex);
        }
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Information,
        Message = "Idempotency-Key {OperationId} reused with a different request: answered 422, nothing changed")]
    private static partial void LogConflict(ILogger logger, string operationId);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "{Path}: the cluster did not answer; answered 503")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string path);
}
