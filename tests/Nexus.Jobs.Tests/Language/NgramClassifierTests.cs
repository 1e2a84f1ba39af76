using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public class NgramClassifierTests
{
    [Fact]
    public void Features_AreWordsAndNeighbouringPairs_WithNegatedWordsMarked_UntilTheClauseTurns()
    {
        NgramClassifier.Features("Not worth it, but cheap").ShouldBe(
            ["not", "NOT_worth", "not NOT_worth", "NOT_it", "NOT_worth NOT_it", "but", "cheap", "but cheap"], ignoreOrder: true);

        // The scope is three words; "didn't" and "never" are negations as much as "not".
        NgramClassifier.Features("didn't fit my narrow feet").ShouldContain("NOT_narrow");
        NgramClassifier.Features("didn't fit my narrow feet").ShouldContain("feet");
        NgramClassifier.Features("never again").ShouldContain("NOT_again");
        NgramClassifier.Features("It doesn’t leak").ShouldContain("NOT_leak"); // the typographic apostrophe too
    }

    [Fact]
    public void Features_DoNotPairWordsAcrossClausePunctuation()
    {
        var features = NgramClassifier.Features("Great fit. Broke fast!");

        features.ShouldContain("great fit");
        features.ShouldContain("broke fast");
        features.ShouldNotContain("fit broke");
    }

    [Fact]
    public void Train_LearnsFromTheWords_AndReadsOnlyWordsSeenInTwoTexts()
    {
        string[] texts = ["worth every penny", "worth it", "not worth it", "not worth the money", "arrived on time", "arrived today", "once"];
        string[] labels = ["positive", "positive", "negative", "negative", "neutral", "neutral", "neutral"];

        var model = NgramClassifier.Train(texts, labels, new SoftmaxOptions(L2: 1e-4));

        model.Labels.ShouldBe(["negative", "neutral", "positive"]);
        Best(model, "totally worth it").ShouldBe("positive");
        Best(model, "not worth it at all").ShouldBe("negative"); // only the negation marks tell these apart
        Best(model, "arrived yesterday").ShouldBe("neutral");
        model.VocabularySize.ShouldBeLessThan(texts.SelectMany(NgramClassifier.Features).Distinct().Count()); // "once" and "penny" are out
        model.Probabilities("once").ShouldBe(model.Probabilities("penny"), 1e-12); // both unknown: the same verdict
    }

    [Fact]
    public void Train_NeedsALabelForEveryText()
    {
        Should.Throw<ArgumentException>(() => NgramClassifier.Train(["a", "b"], ["positive"], new SoftmaxOptions()));
    }

    private static string Best(NgramClassifier model, string text)
    {
        var p = model.Probabilities(text);
        return model.Labels[Array.IndexOf(p, p.Max())];
    }
}
