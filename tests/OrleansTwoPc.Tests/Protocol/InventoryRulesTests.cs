using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

public class InventoryRulesTests
{
    private readonly InventoryRules _rules = new();

    private static ParticipantOperation Take(long amount) => new(ParticipantKinds.Inventory, "sku", InventoryActions.Reserve, amount);

    private static ParticipantOperation Restock(long amount) => new(ParticipantKinds.Inventory, "sku", InventoryActions.Restock, amount);

    private static void AssertItem(InventoryItem item, long stock, long reserved, long incoming)
    {
        Assert.Equal(stock, item.Stock);
        Assert.Equal(reserved, item.Reserved);
        Assert.Equal(incoming, item.Incoming);
    }

    [Fact]
    public void Kind_and_actions_are_the_inventory_contract()
    {
        Assert.Equal(ParticipantKinds.Inventory, _rules.Kind);
        Assert.True(_rules.Actions.SetEquals([InventoryActions.Restock, InventoryActions.Reserve]));
    }

    [Fact]
    public void Reserving_items_holds_them_without_moving_stock()
    {
        var item = new InventoryItem { Stock = 10 };
        Assert.True(_rules.Reserve(item, Take(4)).IsYes);
        AssertItem(item, stock: 10, reserved: 4, incoming: 0);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Applying_a_reservation_takes_the_items_out_of_stock()
    {
        var item = new InventoryItem { Stock = 10 };
        _rules.Reserve(item, Take(4));
        _rules.Apply(item, Take(4));
        AssertItem(item, stock: 6, reserved: 0, incoming: 0);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Releasing_a_reservation_returns_the_items()
    {
        var item = new InventoryItem { Stock = 10 };
        _rules.Reserve(item, Take(4));
        _rules.Release(item, Take(4));
        AssertItem(item, stock: 10, reserved: 0, incoming: 0);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Restock_is_incoming_until_applied()
    {
        var item = new InventoryItem { Stock = 10 };
        Assert.True(_rules.Reserve(item, Restock(5)).IsYes);
        AssertItem(item, stock: 10, reserved: 0, incoming: 5);
        _rules.CheckInvariants(item);
        _rules.Apply(item, Restock(5));
        AssertItem(item, stock: 15, reserved: 0, incoming: 0);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Released_restock_leaves_stock_unchanged()
    {
        var item = new InventoryItem { Stock = 10 };
        _rules.Reserve(item, Restock(5));
        _rules.Release(item, Restock(5));
        AssertItem(item, stock: 10, reserved: 0, incoming: 0);
    }

    [Fact]
    public void Reserving_more_than_in_stock_votes_insufficient_stock_and_changes_nothing()
    {
        var item = new InventoryItem { Stock = 3 };
        var vote = _rules.Reserve(item, Take(4));
        Assert.False(vote.IsYes);
        Assert.Equal(AbortCodes.InsufficientStock, vote.Reason!.Code);
        Assert.True(vote.Reason.IsBusinessRule);
        Assert.Contains("3 in stock", vote.Reason.Message, StringComparison.Ordinal);
        AssertItem(item, stock: 3, reserved: 0, incoming: 0);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Reserved_items_are_not_available_to_another_reservation()
    {
        var item = new InventoryItem { Stock = 10 };
        _rules.Reserve(item, Take(7));
        var vote = _rules.Reserve(item, Take(4));
        Assert.Equal(AbortCodes.InsufficientStock, vote.Reason?.Code);
        AssertItem(item, stock: 10, reserved: 7, incoming: 0);
        Assert.True(_rules.Reserve(item, Take(3)).IsYes);
        AssertItem(item, stock: 10, reserved: 10, incoming: 0);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Incoming_restock_is_not_available_to_a_reservation_before_it_commits()
    {
        var item = new InventoryItem();
        _rules.Reserve(item, Restock(5));
        Assert.Equal(AbortCodes.InsufficientStock, _rules.Reserve(item, Take(1)).Reason?.Code);
        AssertItem(item, stock: 0, reserved: 0, incoming: 5);
    }

    [Fact]
    public void Restock_up_to_capacity_is_allowed()
    {
        var item = new InventoryItem { Stock = InventoryRules.Capacity - 5 };
        Assert.True(_rules.Reserve(item, Restock(5)).IsYes);
        _rules.Apply(item, Restock(5));
        Assert.Equal(InventoryRules.Capacity, item.Stock);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Restock_past_capacity_votes_capacity_exceeded_and_changes_nothing()
    {
        var item = new InventoryItem { Stock = InventoryRules.Capacity - 5 };
        var vote = _rules.Reserve(item, Restock(6));
        Assert.False(vote.IsYes);
        Assert.Equal(AbortCodes.CapacityExceeded, vote.Reason!.Code);
        Assert.True(vote.Reason.IsBusinessRule);
        Assert.Contains("room for 5", vote.Reason.Message, StringComparison.Ordinal);
        AssertItem(item, stock: InventoryRules.Capacity - 5, reserved: 0, incoming: 0);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Incoming_restocks_count_against_capacity()
    {
        var item = new InventoryItem { Stock = InventoryRules.Capacity - 10 };
        Assert.True(_rules.Reserve(item, Restock(6)).IsYes);
        Assert.Equal(AbortCodes.CapacityExceeded, _rules.Reserve(item, Restock(5)).Reason?.Code);
        AssertItem(item, stock: InventoryRules.Capacity - 10, reserved: 0, incoming: 6);
        _rules.CheckInvariants(item);
    }

    [Fact]
    public void Huge_restock_is_refused_without_overflow()
    {
        var item = new InventoryItem();
        Assert.Equal(AbortCodes.CapacityExceeded, _rules.Reserve(item, Restock(RequestLimits.MaxAmount)).Reason?.Code);
        AssertItem(item, stock: 0, reserved: 0, incoming: 0);
    }

    [Fact]
    public void Interleaved_reserves_then_mixed_decisions_keep_stock_straight()
    {
        var item = new InventoryItem { Stock = 100 };
        _rules.Reserve(item, Take(30));
        _rules.Reserve(item, Take(20));
        _rules.Reserve(item, Restock(40));
        _rules.CheckInvariants(item);
        _rules.Apply(item, Take(30));
        _rules.Release(item, Take(20));
        _rules.Apply(item, Restock(40));
        _rules.CheckInvariants(item);
        AssertItem(item, stock: 110, reserved: 0, incoming: 0);
    }

    [Fact]
    public void Empty_item_satisfies_the_invariants() => _rules.CheckInvariants(new InventoryItem());

    [Theory]
    [InlineData(-1L, 0L, 0L)] // negative stock
    [InlineData(InventoryRules.Capacity + 1, 0L, 0L)] // stock past capacity
    [InlineData(5L, 6L, 0L)] // reserves more than in stock
    [InlineData(5L, -1L, 0L)] // negative reservation
    [InlineData(5L, 0L, -1L)] // negative incoming
    [InlineData(InventoryRules.Capacity - 1, 0L, 2L)] // incoming past capacity
    public void Broken_item_fails_the_invariant_check(long stock, long reserved, long incoming)
    {
        var item = new InventoryItem { Stock = stock, Reserved = reserved, Incoming = incoming };
        Assert.Throws<ProtocolInvariantException>(() => _rules.CheckInvariants(item));
    }
}
