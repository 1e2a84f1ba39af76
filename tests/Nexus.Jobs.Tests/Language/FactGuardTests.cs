using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class FactGuardTests
{
    [Theory]
    [InlineData("The discount code applies at checkout", "The discount code doesn't apply at checkout")]
    [InlineData("The gate lets vans in on weekdays", "The gate never lets vans in on weekdays")]
    [InlineData("The speaker ships with a charger", "The speaker ships without a charger")]
    [InlineData("Tenants can pay the deposit online", "Tenants cannot pay the deposit online")]
    [InlineData("The plugin is compatible with the old editor", "The plugin is incompatible with the old editor")]
    [InlineData("Staff are aware of the new rota", "Staff are unaware of the new rota")]
    [InlineData("The printer has stopped printing labels", "The printer prints labels")]
    public void Compare_FindsANegation_OnOneSideOnly(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldBe(FactConflict.Negation);
        FactGuard.Compare(b, a).ShouldBe(FactConflict.Negation);
    }

    [Theory]
    [InlineData("The kit is not without flaws", "The kit has flaws")] // two negations cancel
    [InlineData("The invoice template lacks a VAT number", "The invoice template has no VAT number")]
    [InlineData("Size details are missing from the listing", "The listing does not show size details")]
    [InlineData("The agency misses its deadlines", "The agency delivers late")] // an implicit negative alone is no difference
    [InlineData("Blocked unless it is not on the list", "Blocked when it is outside the list")]
    [InlineData("The van isn't very reliable", "The van is not reliable")]
    public void Compare_FindsNoNegation_WhenBothSidesNegateAlike(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldBe(FactConflict.None);
    }

    [Theory]
    [InlineData("Shipping to Ireland takes 3 days", "Shipping to Ireland takes 5 days")]
    [InlineData("The rating dropped to 3.5 stars", "The rating dropped to 4.5 stars")]
    [InlineData("The firm has 200 staff", "The firm has 2,000 staff")]
    [InlineData("Their budget is $40k", "Their budget is $60k")]
    [InlineData("The fee rose by 10%", "The fee rose by 15%")]
    [InlineData("The battery lasts four hours", "The battery lasts six hours")]
    [InlineData("The team meets twice a week", "The team meets three times a week")]
    [InlineData("They bought twenty-five licences", "They bought 35 licences")]
    [InlineData("Sales were strong in the first half", "Sales were strong in the second half")]
    [InlineData("The lamp needs a 40W bulb", "The lamp needs a 60W bulb")]
    public void Compare_FindsANumber_OnEachSide(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldBe(FactConflict.Number);
    }

    [Theory]
    [InlineData("They renewed for another 12 months", "They renewed for a further twelve months")]
    [InlineData("The firm has 2,000 staff", "The firm has 2000 staff")]
    [InlineData("Their budget is $40k", "Their budget is 40 thousand dollars")]
    [InlineData("Shipping takes 3 days", "Shipping takes a few days")] // a number on one side only is a detail
    [InlineData("Sign-ups doubled in June", "In June sign-ups were twice as high")]
    public void Compare_FindsNoNumberConflict_WhenTheNumbersAgreeOrOneSideHasNone(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldNotBe(FactConflict.Number);
    }

    [Theory]
    [InlineData("Conversion is higher on mobile", "Conversion is lower on mobile")]
    [InlineData("Demand for coats increased this month", "Demand for coats decreased this month")]
    [InlineData("Their team prefers the cheaper option", "Their team prefers the more expensive option")]
    [InlineData("The new model is faster", "The new model is slower")]
    [InlineData("Buyers find the app easy to use", "Buyers find the app hard to use")]
    [InlineData("Reviewers like the new lid", "Reviewers dislike the new lid")]
    [InlineData("The client is satisfied with onboarding", "The client is not satisfied with onboarding")]
    [InlineData("The builder finished ahead of schedule", "The builder finished behind schedule")]
    [InlineData("The firm is hiring drivers", "The firm is laying off drivers")]
    [InlineData("The discount code works at checkout", "The discount code doesn't work at checkout")] // "not" turns the scale word
    [InlineData("The firm imports most of its coffee", "The firm exports most of its coffee")]
    [InlineData("The feature is enabled for all users", "The feature is disabled for all users")]
    [InlineData("The parcel arrived before the deadline", "The parcel arrived after the deadline")] // function words too
    [InlineData("The client overpaid the last invoice", "The client underpaid the last invoice")] // opposite prefixes
    public void Compare_FindsOppositeEndsOfAScale(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldBe(FactConflict.Antonym);
        FactGuard.Compare(b, a).ShouldBe(FactConflict.Antonym);
    }

    [Theory]
    [InlineData("They moved to a cheaper supplier", "They moved to a less expensive supplier")]
    [InlineData("The guests are unhappy with the room", "The guests are not happy with the room")]
    [InlineData("The form is not easy to fill in", "The form is hard to fill in")]
    [InlineData("Students find the quizzes too easy", "The quizzes are not challenging enough for students")]
    [InlineData("Prices are higher and service is worse", "Prices are higher than last year")] // a scale word both use is shared, the rest has no opposite
    [InlineData("The charger stops working after a week", "The charger fails within a week")]
    public void Compare_FindsNoAntonym_WhenTheScalesAgree(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldBe(FactConflict.None);
    }

    [Theory]
    [InlineData("The CTO decides on this deal", "The CFO decides on this deal")] // acronyms
    [InlineData("The client is evaluating Slack for chat", "The client is evaluating Teams for chat")] // capitalised inside a sentence
    [InlineData("The pump in model KX20 fails", "The pump in model KX30 fails")] // codes
    [InlineData("Japanese buyers prefer the compact model", "Korean buyers prefer the compact model")] // places, even first
    [InlineData("Deliveries to Scotland are delayed", "Deliveries to Wales are delayed")]
    [InlineData("The review moved to Tuesday", "The review moved to Thursday")]
    [InlineData("The launch is planned for March", "The launch is planned for May")]
    [InlineData("The office closes for the winter", "The office closes for the summer")]
    [InlineData("Demand for the blue kettle rose", "Demand for the red kettle rose")]
    [InlineData("Their sales team uses the app daily", "Their support team uses the app daily")]
    [InlineData("The marketing manager asked for a demo", "The marketing director asked for a demo")]
    [InlineData("The customer wants to pay in euros", "The customer wants to pay in dollars")]
    [InlineData("Replies come within a day", "Replies come within a week")]
    [InlineData("Buyers prefer the leather sofa", "Buyers prefer the fabric sofa")]
    [InlineData("Slack is what their staff use", "Their staff use Teams")] // a capitalised first word may be a name
    [InlineData("Plan B was cheaper for them", "Plan C was cheaper for them")] // a capital letter alone
    [InlineData("The meeting is planned for the morning", "The meeting is planned for the evening")]
    [InlineData("Deliveries are late on weekends", "Deliveries are late on weekdays")]
    [InlineData("The price rises next year", "The price rises last year")]
    public void Compare_FindsAnotherSpecificTerm_OnEachSide(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldBe(FactConflict.Term);
        FactGuard.Compare(b, a).ShouldBe(FactConflict.Term);
    }

    [Theory]
    [InlineData("Our rival cut prices in the Dutch market", "In the Netherlands our rival cut prices")] // nationality and country
    [InlineData("The CFO is sceptical about the project", "The chief financial officer is sceptical about the project")] // one side only
    [InlineData("They chose us for the Salesforce integration", "They chose us for the Salesfroce integration")] // a misspelt name
    [InlineData("They may renew in June", "They will probably renew in June")] // "may" is a month only when capitalised
    [InlineData("LATE DELIVERY OF THE BLUE KETTLE", "Late delivery of the blue kettle")] // capitals everywhere are no names
    [InlineData("Late Delivery Of The Blue Kettle Again", "The blue kettle was delivered late again")] // neither are title capitals
    [InlineData("Invoices go out weekly", "Invoices go out every week")]
    [InlineData("The customer's legal team reviews every change", "Every change goes through the customer's lawyers")]
    public void Compare_FindsNoTermConflict_WhenNoSpecificTermIsReplaced(string a, string b)
    {
        FactGuard.Compare(a, b).ShouldBe(FactConflict.None);
    }

    [Fact]
    public void Compare_FindsNothing_BetweenFreeParaphrases()
    {
        FactGuard.Compare("The courier left parcels out in the rain", "Parcels were left in the rain by the delivery driver").ShouldBe(FactConflict.None);
        FactGuard.Compare("Onboarding took too long, the client says", "The client complained that onboarding was slow").ShouldBe(FactConflict.None);
        FactGuard.Compare("Procurement needs three quotes above £10,000", "Any purchase over £10,000 needs 3 quotes from procurement").ShouldBe(FactConflict.None);
    }

    [Theory]
    [InlineData("salesforce", "salesfroce", true)]
    [InlineData("berlin", "berln", true)]
    [InlineData("berlin", "berlins", true)]
    [InlineData("berlin", "bern", false)]
    [InlineData("austria", "australia", false)]
    [InlineData("cto", "cto", true)]
    public void WithinOneEdit_AllowsOneInsertionDeletionSubstitutionOrSwap(string x, string y, bool expected)
    {
        FactGuard.WithinOneEdit(x, y).ShouldBe(expected);
        FactGuard.WithinOneEdit(y, x).ShouldBe(expected);
    }

    [Theory]
    [InlineData("late delivery of the kettle", "The kettle: late delivery!", 0)]
    [InlineData("The teacher complained about the login errors", "The student complained about the login errors", 1)]
    [InlineData("late delivery kettle", "broken lid", 3)]
    public void Difference_CountsTheWordsOneSideHasAndTheOtherLacks(string a, string b, int expected)
    {
        FactGuard.Difference(FactGuard.Profile(a), FactGuard.Profile(b)).ShouldBe(expected);
    }

    [Theory]
    [InlineData("late delivery of the kettle", "The kettle: LATE delivery!", true)]
    [InlineData("Customers complain about the blue kettle", "customers complain about the blue ketle", true)] // a typo
    [InlineData("The customer renewed the maintenance contract", "The customer renewed the maintenence contract", true)]
    [InlineData("The cold room is full", "The gold room is full", false)] // scale and class words are never typos
    [InlineData("Deliveries are late", "Deliveries are late again today", false)]
    public void SameWords_AllowsOrderCasePunctuationAndTypos_Only(string a, string b, bool expected)
    {
        FactGuard.SameWords(FactGuard.Profile(a), FactGuard.Profile(b)).ShouldBe(expected);
    }
}
