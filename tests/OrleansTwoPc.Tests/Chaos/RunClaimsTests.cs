using OrleansTwoPc.Chaos;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>
/// An external chaos run fails when it did not do what it claims: fewer kills or pauses than asked, an outage asked
/// and not had, a final state read from memory. The faults file is the caller's record of what it did.
/// </summary>
public sealed class RunClaimsTests
{
    [Fact]
    public void A_run_that_did_what_it_was_asked_has_no_unfulfilled_claim()
    {
        var faults = Faults("1000 kill silo 0 pid 1", "2000 pause silo 1 pid 2 for 5s", "7000 resume silo 1 pid 2",
            "8000 postgres-stop", "18000 postgres-start", "19000 kill silo 2 pid 3");

        Assert.Equal((2, 1, 1), (faults.Kills.Count, faults.Pauses.Count, faults.Outages.Count));
        Assert.Empty(RunClaims.Unfulfilled(Expecting(kills: 2, pauses: 1, outage: true), faults, stillActive: 0));
    }

    [Fact]
    public void Fewer_kills_or_pauses_than_asked_fail_the_run()
    {
        var faults = Faults("1000 kill silo 0 pid 1", "2000 pause silo 1 pid 2 for 5s");

        var unfulfilled = RunClaims.Unfulfilled(Expecting(kills: 3, pauses: 2), faults, stillActive: 0);

        Assert.Equal(["1 kills, at least 3 asked", "1 pauses, at least 2 asked"], unfulfilled);
    }

    [Fact]
    public void An_outage_asked_and_not_had_or_not_ended_fails_the_run()
    {
        Assert.Equal(["a PostgreSQL outage was asked and none happened"],
            RunClaims.Unfulfilled(Expecting(outage: true), Faults("1000 kill silo 0 pid 1"), stillActive: 0));
        Assert.Equal(["a PostgreSQL outage was asked and PostgreSQL was never started again"],
            RunClaims.Unfulfilled(Expecting(outage: true), Faults("1000 postgres-stop"), stillActive: 0));
    }

    [Fact]
    public void A_final_state_read_from_memory_fails_the_run()
    {
        var unfulfilled = RunClaims.Unfulfilled(Expecting(), Faults(), stillActive: 3);

        Assert.Equal(["the final state was to be read from storage, but 3 activations stayed active: those were read from memory"], unfulfilled);
        Assert.Single(RunClaims.Unfulfilled(Expecting(), Faults(), stillActive: -1));
    }

    [Fact]
    public void An_http_run_whose_http_submissions_were_too_few_or_never_answered_fails()
    {
        var options = Expecting() with { Http = [new Uri("http://127.0.0.1:18081/")] };

        // 40 % of the default share of 0.5: 20 of 100 submissions answered over HTTP.
        Assert.Empty(RunClaims.Unfulfilled(options, Faults(), stillActive: 0, submissions: 100, answeredOverHttp: 20));
        Assert.Equal(["19 of 100 submissions got a definite answer over HTTP, at least 20 asked (0.4 of --http-share 0.5)"],
            RunClaims.Unfulfilled(options, Faults(), stillActive: 0, submissions: 100, answeredOverHttp: 19));
        Assert.Single(RunClaims.Unfulfilled(options, Faults(), stillActive: 0, submissions: 0, answeredOverHttp: 0));
        Assert.Empty(RunClaims.Unfulfilled(Expecting(), Faults(), stillActive: 0, submissions: 100, answeredOverHttp: 0));
    }

    [Fact]
    public void A_result_with_an_unfulfilled_claim_fails_and_says_so()
    {
        var result = new ChaosResult(7, 10, 8, 2, 0, new Verdict(), TimeSpan.Zero) { Pauses = 0, Unfulfilled = ["0 pauses, at least 2 asked"] };

        Assert.False(result.Passed);
        Assert.Equal("RESULT seed=7 ops=10 committed=8 aborted=2 kills=0 pauses=0 lost=0 duplicated=0 mismatched=0 torn=0 stuck=0 unfulfilled=1", result.ResultLine);
        Assert.Equal("RESULT seed=7 ops=10 committed=8 aborted=2 kills=0 lost=0 duplicated=0 mismatched=0 torn=0 stuck=0",
            (result with { Pauses = null, Unfulfilled = [] }).ResultLine);
        Assert.Equal("RESULT seed=7 ops=10 committed=8 aborted=2 kills=0 http=6 lost=0 duplicated=0 mismatched=0 torn=0 stuck=0",
            (result with { Pauses = null, Http = 6, Unfulfilled = [] }).ResultLine);
    }

    [Fact]
    public void Expectations_are_only_for_external_runs()
    {
        Assert.Throws<ArgumentException>(() => ChaosOptions.Parse(["--seed", "1", "--expect-kills", "2"]));
        Assert.Throws<ArgumentException>(() => ChaosOptions.Parse(["--external", "--gateways", "127.0.0.1:30001", "--delays"]));
        var options = ChaosOptions.Parse(["--external", "--gateways", "127.0.0.1:30001", "--forget", "--expect-kills", "2", "--expect-pauses", "3", "--expect-outage"]);
        Assert.Equal((true, 2, 3, true), (options.Forget, options.ExpectKills, options.ExpectPauses, options.ExpectOutage));
    }

    private static ChaosOptions Expecting(int kills = 0, int pauses = 0, bool outage = false) =>
        new() { External = true, Gateways = ["127.0.0.1:30001"], ExpectKills = kills, ExpectPauses = pauses, ExpectOutage = outage };

    private static FaultLog Faults(params string[] lines)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, lines);
            return FaultLog.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
