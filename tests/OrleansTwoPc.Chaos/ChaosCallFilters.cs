namespace OrleansTwoPc.Chaos;

/// <summary>Holds every call into a paused silo (grains and system targets alike), and its answer, until it resumes.</summary>
public sealed class PauseIncomingFilter(SiloPause pause) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        await pause.WaitAsync();
        await context.Invoke();
        await pause.WaitAsync();
    }
}

/// <summary>
/// Every call leaving a silo: held while the silo is paused, or while the silo of the system target it calls is (a
/// membership probe of a paused silo goes unanswered); and a protocol message held for the time
/// <see cref="MessageDelays"/> chose (before it is sent, or before its answer reaches the caller). The caller's own
/// timeout keeps running meanwhile: it gives up, the message still arrives.
/// </summary>
public sealed class ChaosOutgoingFilter(SiloPause pause, SiloPauses pauses, MessageDelays delays) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        await pause.WaitAsync();
        if (pauses.Of(context.TargetId) is { } target && target != pause)
        {
            await target.WaitAsync();
        }

        var hold = MessageDelays.IsProtocolMessage(context.InterfaceMethod?.DeclaringType, context.MethodName)
            ? delays.Next(context.MethodName, context.TargetId, OperationId(context), IsOneWay(context))
            : Hold.None;
        if (hold.Delay > TimeSpan.Zero && !hold.BeforeAnswer)
        {
            await Task.Delay(hold.Delay);
            await pause.WaitAsync(); // a silo paused meanwhile sends nothing
        }

        await context.Invoke();
        if (hold.BeforeAnswer)
        {
            await Task.Delay(hold.Delay);
        }
    }

    // Participant messages carry the operation id first; the coordinator is keyed by it.
    private static string OperationId(IOutgoingGrainCallContext context) =>
        context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is string id ? id : context.TargetId.Key.ToString()!;

    private static bool IsOneWay(IOutgoingGrainCallContext context) =>
        context.InterfaceMethod?.IsDefined(typeof(Orleans.Concurrency.OneWayAttribute), inherit: true) == true;
}
