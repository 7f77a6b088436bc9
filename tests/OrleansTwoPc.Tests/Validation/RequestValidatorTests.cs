using Xunit;

namespace OrleansTwoPc.Tests.Validation;

public class RequestValidatorTests
{
    private const string ValidId = "op-1";

    private static readonly RequestLimits Limits = new();

    private static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Kinds =
        new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
        {
            [ParticipantKinds.Ledger] = new HashSet<string>([LedgerActions.Credit, LedgerActions.Debit], StringComparer.Ordinal),
            [ParticipantKinds.Inventory] = new HashSet<string>([InventoryActions.Restock, InventoryActions.Reserve], StringComparer.Ordinal),
        };

    private static ParticipantOperation Debit(string key, long amount = 10) =>
        new(ParticipantKinds.Ledger, key, LedgerActions.Debit, amount);

    private static ParticipantOperation Credit(string key, long amount = 10) =>
        new(ParticipantKinds.Ledger, key, LedgerActions.Credit, amount);

    private static InvalidRequestException Invalid(string? operationId, TransactionRequest? request,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? kinds = null, RequestLimits? limits = null) =>
        Assert.Throws<InvalidRequestException>(() => RequestValidator.Validate(operationId, request, limits ?? Limits, kinds ?? Kinds));

    private static void Valid(string? operationId, TransactionRequest? request,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? kinds = null) =>
        RequestValidator.Validate(operationId, request, Limits, kinds);

    // ---- operation id ----

    [Fact]
    public void Null_operation_id_is_rejected_as_missing()
    {
        var ex = Invalid(null, TransactionRequest.Transfer("a", "b", 1));
        Assert.Equal("operationId", ex.Field);
        Assert.Contains("1 to 128 characters", ex.Rule, StringComparison.Ordinal);
        Assert.Contains("got nothing", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_operation_id_is_rejected_as_empty()
    {
        var ex = Invalid("", TransactionRequest.Transfer("a", "b", 1));
        Assert.Equal("operationId", ex.Field);
        Assert.Contains("got an empty string", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Operation_id_of_129_characters_is_rejected_as_too_long()
    {
        var ex = Invalid(new string('a', 129), TransactionRequest.Transfer("a", "b", 1));
        Assert.Equal("operationId", ex.Field);
        Assert.Contains("got 129 characters", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Operation_id_of_128_characters_is_accepted() =>
        Valid(new string('a', 128), TransactionRequest.Transfer("a", "b", 1));

    [Fact]
    public void Operation_id_using_every_allowed_character_class_is_accepted() =>
        Valid("AZaz09._:-", TransactionRequest.Transfer("a", "b", 1));

    [Theory]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("x/y")]
    [InlineData("tab\there")]
    [InlineData("semi;colon")]
    [InlineData("٣")] // a non-ASCII digit
    public void Ill_formed_operation_id_is_rejected_naming_the_allowed_characters(string id)
    {
        var ex = Invalid(id, TransactionRequest.Transfer("a", "b", 1));
        Assert.Equal("operationId", ex.Field);
        Assert.Contains("A-Z a-z 0-9 . _ : -", ex.Rule, StringComparison.Ordinal);
        Assert.Contains($"got '{id}'", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_ill_formed_value_is_clipped_in_the_rule()
    {
        var id = new string('x', 60) + " ";
        var ex = Invalid(id, TransactionRequest.Transfer("a", "b", 1));
        Assert.Contains("got '" + new string('x', 40) + "...'", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateId_uses_the_given_field_name()
    {
        var ex = Assert.Throws<InvalidRequestException>(() => RequestValidator.ValidateId("x y", "accountKey"));
        Assert.Equal("accountKey", ex.Field);
        Assert.Equal("accountKey: " + ex.Rule, ex.Message);
    }

    [Fact]
    public void Operation_id_is_checked_before_the_request()
    {
        var ex = Invalid("bad id", null);
        Assert.Equal("operationId", ex.Field);
    }

    // ---- operations list ----

    [Fact]
    public void Null_request_is_rejected_as_naming_no_participant()
    {
        var ex = Invalid(ValidId, null);
        Assert.Equal("operations", ex.Field);
        Assert.Contains("at least one participant", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_operations_list_is_rejected_as_naming_no_participant()
    {
        var ex = Invalid(ValidId, new TransactionRequest((IReadOnlyList<ParticipantOperation>)null!));
        Assert.Equal("operations", ex.Field);
        Assert.Contains("at least one participant", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_operations_are_rejected()
    {
        var ex = Invalid(ValidId, new TransactionRequest());
        Assert.Equal("operations", ex.Field);
        Assert.Contains("at least one participant", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_the_default_maximum_of_participants_is_rejected()
    {
        var ops = Enumerable.Range(0, 17).Select(i => Credit($"acct-{i}")).ToArray();
        var ex = Invalid(ValidId, new TransactionRequest(ops));
        Assert.Equal("operations", ex.Field);
        Assert.Contains("names 17 participants; at most 16", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Exactly_the_maximum_of_participants_is_accepted()
    {
        var ops = Enumerable.Range(0, 16).Select(i => Credit($"acct-{i}")).ToArray();
        Valid(ValidId, new TransactionRequest(ops), Kinds);
    }

    [Fact]
    public void A_configured_lower_participant_limit_is_enforced()
    {
        var ex = Invalid(ValidId, new TransactionRequest(Credit("a"), Credit("b"), Credit("c")),
            limits: new RequestLimits { MaxParticipants = 2 });
        Assert.Equal("operations", ex.Field);
        Assert.Contains("names 3 participants; at most 2", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_operation_is_rejected_at_its_index()
    {
        var ex = Invalid(ValidId, new TransactionRequest(Credit("a"), null!));
        Assert.Equal("operations[1]", ex.Field);
        Assert.Contains("must not be null", ex.Rule, StringComparison.Ordinal);
    }

    // ---- kind and action ----

    [Fact]
    public void Unknown_kind_is_rejected_listing_the_known_kinds()
    {
        var ex = Invalid(ValidId, new TransactionRequest(Credit("a"), new ParticipantOperation("bank", "b", "credit", 1)));
        Assert.Equal("operations[1].kind", ex.Field);
        Assert.Contains("unknown participant kind 'bank'", ex.Rule, StringComparison.Ordinal);
        Assert.Contains("known kinds: inventory, ledger", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Kind_is_case_sensitive()
    {
        var ex = Invalid(ValidId, new TransactionRequest(new ParticipantOperation("Ledger", "a", "credit", 1)));
        Assert.Equal("operations[0].kind", ex.Field);
    }

    [Fact]
    public void Unknown_kind_is_not_checked_without_a_kinds_dictionary() =>
        Valid(ValidId, new TransactionRequest(new ParticipantOperation("bank", "a", "anything", 1)), kinds: null);

    [Fact]
    public void Empty_kind_is_rejected_even_without_a_kinds_dictionary()
    {
        var ex = Assert.Throws<InvalidRequestException>(() => RequestValidator.Validate(ValidId,
            new TransactionRequest(new ParticipantOperation("", "a", "credit", 1)), Limits, null));
        Assert.Equal("operations[0].kind", ex.Field);
        Assert.Contains("must not be empty", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_action_is_rejected_listing_the_kinds_actions()
    {
        var ex = Invalid(ValidId, new TransactionRequest(new ParticipantOperation(ParticipantKinds.Ledger, "a", "steal", 1)));
        Assert.Equal("operations[0].action", ex.Field);
        Assert.Contains("'steal' is not an action of kind 'ledger'", ex.Rule, StringComparison.Ordinal);
        Assert.Contains("allowed: credit, debit", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Action_of_another_kind_is_rejected()
    {
        var ex = Invalid(ValidId, new TransactionRequest(new ParticipantOperation(ParticipantKinds.Ledger, "a", InventoryActions.Reserve, 1)));
        Assert.Equal("operations[0].action", ex.Field);
    }

    [Fact]
    public void Empty_action_is_rejected()
    {
        var ex = Invalid(ValidId, new TransactionRequest(new ParticipantOperation(ParticipantKinds.Ledger, "a", "", 1)));
        Assert.Equal("operations[0].action", ex.Field);
        Assert.Contains("must not be empty", ex.Rule, StringComparison.Ordinal);
    }

    // ---- key ----

    [Fact]
    public void Empty_key_is_rejected()
    {
        var ex = Invalid(ValidId, new TransactionRequest(Credit("a"), Debit("")));
        Assert.Equal("operations[1].key", ex.Field);
        Assert.Contains("got an empty string", ex.Rule, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("x/y")]
    public void Ill_formed_key_is_rejected(string key)
    {
        var ex = Invalid(ValidId, new TransactionRequest(Debit(key)));
        Assert.Equal("operations[0].key", ex.Field);
        Assert.Contains($"got '{key}'", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_of_129_characters_is_rejected_and_128_accepted()
    {
        var ex = Invalid(ValidId, new TransactionRequest(Debit(new string('k', 129))));
        Assert.Equal("operations[0].key", ex.Field);
        Assert.Contains("got 129 characters", ex.Rule, StringComparison.Ordinal);
        Valid(ValidId, new TransactionRequest(Debit(new string('k', 128))), Kinds);
    }

    // ---- amount ----

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(RequestLimits.MaxAmount + 1)]
    [InlineData(long.MaxValue)]
    public void Amount_outside_one_to_max_is_rejected(long amount)
    {
        var ex = Invalid(ValidId, new TransactionRequest(Credit("a", 5), Debit("b", amount)));
        Assert.Equal("operations[1].amount", ex.Field);
        Assert.Contains($"must be between 1 and {RequestLimits.MaxAmount}", ex.Rule, StringComparison.Ordinal);
        Assert.Contains($"got {amount}", ex.Rule, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(RequestLimits.MaxAmount)]
    public void Amount_at_the_bounds_is_accepted(long amount) =>
        Valid(ValidId, new TransactionRequest(Debit("b", amount)), Kinds);

    // ---- duplicates ----

    [Fact]
    public void Same_participant_twice_is_rejected()
    {
        var ex = Invalid(ValidId, new TransactionRequest(Debit("a"), Credit("b"), Debit("a")));
        Assert.Equal("operations[2]", ex.Field);
        Assert.Contains("ledger/a appears more than once", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_participant_twice_with_different_actions_is_rejected()
    {
        var ex = Invalid(ValidId, new TransactionRequest(Debit("a", 5), Credit("a", 7)));
        Assert.Equal("operations[1]", ex.Field);
        Assert.Contains("appears more than once", ex.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_key_under_different_kinds_is_two_participants() =>
        Valid(ValidId, new TransactionRequest(Debit("sku-1"), new ParticipantOperation(ParticipantKinds.Inventory, "sku-1", InventoryActions.Reserve, 1)), Kinds);

    [Fact]
    public void Keys_differing_only_by_case_are_different_participants() =>
        Valid(ValidId, new TransactionRequest(Debit("a"), Credit("A")), Kinds);

    [Fact]
    public void Valid_transfer_passes()
    {
        Valid(ValidId, TransactionRequest.Transfer("alice", "bob", 100), Kinds);
        Valid(ValidId, TransactionRequest.Deposit("alice", 100), Kinds);
    }

    // ---- fingerprint ----

    [Fact]
    public void Fingerprint_ignores_operation_order()
    {
        var a = new TransactionRequest(Debit("a", 5), Credit("b", 5), new ParticipantOperation(ParticipantKinds.Inventory, "a", InventoryActions.Reserve, 1));
        var b = new TransactionRequest(new ParticipantOperation(ParticipantKinds.Inventory, "a", InventoryActions.Reserve, 1), Credit("b", 5), Debit("a", 5));
        Assert.Equal(a.Fingerprint(), b.Fingerprint());
    }

    [Fact]
    public void Fingerprint_is_stable_lowercase_sha256_hex()
    {
        var fp = TransactionRequest.Transfer("a", "b", 5).Fingerprint();
        Assert.Equal(fp, TransactionRequest.Transfer("a", "b", 5).Fingerprint());
        Assert.Equal(64, fp.Length);
        Assert.Matches("^[0-9a-f]{64}$", fp);
    }

    [Fact]
    public void Fingerprint_differs_when_an_amount_differs() =>
        Assert.NotEqual(TransactionRequest.Transfer("a", "b", 5).Fingerprint(), TransactionRequest.Transfer("a", "b", 6).Fingerprint());

    [Fact]
    public void Fingerprint_differs_when_an_action_differs() =>
        Assert.NotEqual(
            new TransactionRequest(Debit("a", 5), Credit("b", 5)).Fingerprint(),
            new TransactionRequest(Credit("a", 5), Debit("b", 5)).Fingerprint());

    [Fact]
    public void Fingerprint_differs_when_a_key_differs() =>
        Assert.NotEqual(TransactionRequest.Transfer("a", "b", 5).Fingerprint(), TransactionRequest.Transfer("a", "c", 5).Fingerprint());

    [Fact]
    public void Fingerprint_differs_when_a_kind_differs() =>
        Assert.NotEqual(
            new TransactionRequest(Debit("a", 5)).Fingerprint(),
            new TransactionRequest(new ParticipantOperation(ParticipantKinds.Inventory, "a", LedgerActions.Debit, 5)).Fingerprint());

    [Fact]
    public void Fingerprint_differs_when_an_operation_is_added() =>
        Assert.NotEqual(
            new TransactionRequest(Debit("a", 5)).Fingerprint(),
            new TransactionRequest(Debit("a", 5), Credit("b", 5)).Fingerprint());

    [Fact]
    public void Fingerprint_does_not_confuse_key_and_action_boundaries() =>
        Assert.NotEqual(
            new TransactionRequest(new ParticipantOperation("ledger", "ab", "c", 1)).Fingerprint(),
            new TransactionRequest(new ParticipantOperation("ledger", "a", "bc", 1)).Fingerprint());
}
