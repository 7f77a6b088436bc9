using PChecker.Runtime.StateMachines;
using PChecker.Runtime.Values;

#pragma warning disable 162, 219, 414, 1998
namespace PImplementation
{
    /// <summary>
    /// The model's global clock (abstract ticks). Static, so the test driver resets it at the start of every schedule;
    /// the checker runs schedules one after another in one process, and a replay resets it the same way.
    /// </summary>
    public static partial class GlobalFunctions
    {
        private static int _now;
        private static int _max;

        public static void ClockReset(PInt max, StateMachine currentMachine)
        {
            _now = 0;
            _max = max;
        }

        public static PInt ClockNow(StateMachine currentMachine) => _now;

        public static void ClockTick(StateMachine currentMachine)
        {
            if (_now < _max)
            {
                _now++;
            }
        }
    }
}
