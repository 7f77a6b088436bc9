using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTwoPc;
using OrleansTwoPc.Client;
using OrleansTwoPc.Hosting;
using Tickets;

// A silo of its own with OrleansTwoPc added: the ledger kind and this sample's tickets kind, on SQLite. It runs one
// transaction across both (alice pays 30 for 3 tickets), prints the outcome and the balances, and stops.
var data = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "tickets-sample");
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(siloPort: 11471, gatewayPort: 30471);
    silo.Services.AddSingleton(new TicketPolicy { MaxPerPurchase = 4 });
    silo.AddTwoPc(options => options.ParticipantCallTimeout = TimeSpan.FromSeconds(5))
        .AddLedger()
        .AddParticipantKind<TicketRules>()
        .AddTwoPcSqliteStorage(sqlite =>
        {
            sqlite.DataDirectory = data;
            sqlite.InstallSchema = true;
        });
});
builder.Services.AddTwoPcClient();
using var host = builder.Build();
await host.StartAsync();

var transactions = host.Services.GetRequiredService<ITransactionClient>();
var grains = host.Services.GetRequiredService<IGrainFactory>();
var run = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
await transactions.ExecuteAsync($"fund-{run}", TransactionRequest.Deposit("alice", 100) with { CreatedAt = DateTimeOffset.UtcNow });
await transactions.ExecuteAsync($"stock-{run}", new TransactionRequest(new ParticipantOperation("tickets", "concert", "add", 50))
    { CreatedAt = DateTimeOffset.UtcNow });

// The transaction: the ledger pays the venue, the tickets kind sells 3 tickets; all or nothing.
var purchase = new TransactionRequest(
    new ParticipantOperation(ParticipantKinds.Ledger, "alice", LedgerActions.Debit, 30),
    new ParticipantOperation(ParticipantKinds.Ledger, "venue", LedgerActions.Credit, 30),
    new ParticipantOperation("tickets", "concert", "buy", 3)) { CreatedAt = DateTimeOffset.UtcNow };
var outcome = await transactions.ExecuteAsync($"purchase-{run}", purchase);
Console.WriteLine($"purchase: {outcome.Status}");
Console.WriteLine($"alice: {await grains.GetBalanceAsync("alice")}, venue: {await grains.GetBalanceAsync("venue")}, " +
                  $"concert tickets left: {await grains.GetGrain<ITicketPoolGrain>("concert").GetAvailable()}");

// Too many tickets at once: the tickets kind votes no, so nobody pays.
var greedy = purchase with { Operations = [.. purchase.Operations.SkipLast(1), new ParticipantOperation("tickets", "concert", "buy", 5)] };
var refused = await transactions.ExecuteAsync($"greedy-{run}", greedy);
Console.WriteLine($"greedy purchase: {refused.Status} ({refused.Reason?.Code})");

await host.StopAsync();
return outcome.Status == TransactionStatus.Committed && refused.Status == TransactionStatus.Aborted ? 0 : 1;
