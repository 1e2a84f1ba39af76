using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests;

public class TextNormalizerTests
{
    [Fact]
    public void Words_KeepEveryWordAndTheClausePunctuation_InLowerCase_WithOneApostrophe()
    {
        TextNormalizer.Words("Too SMALL, wasn’t worth it!! Café-style (v2) lid; 3 stars?")
            .ShouldBe(["too", "small", ",", "wasn't", "worth", "it", "!", "!", "café", "style", "v2", "lid", ";", "3", "stars", "?"]);
        TextNormalizer.Words("").ShouldBeEmpty();
    }

    [Fact]
    public void Tokens_LowercasesAndSplitsOnPunctuationAndSymbols()
    {
        TextNormalizer.Tokens("Blue-Kettle/LID broke!!! (#42) €20").ShouldBe(["blue", "kettle", "lid", "broke", "42", "20"]);
    }

    [Fact]
    public void Tokens_RemovesStopWords()
    {
        TextNormalizer.Tokens("The customer is really very unhappy with the kettle and its lid").ShouldBe(["customer", "unhappy", "kettle", "lid"]);
    }

    [Theory]
    [InlineData("delays", "delay")]
    [InlineData("delayed", "delay")]
    [InlineData("delaying", "delay")]
    [InlineData("deliveries", "delivery")]
    [InlineData("customers", "customer")]
    [InlineData("complains", "complain")]
    [InlineData("complained", "complain")]
    [InlineData("complaining", "complain")]
    [InlineData("ships", "ship")]
    [InlineData("shipped", "ship")]
    [InlineData("shipping", "ship")]
    [InlineData("boxes", "box")]
    [InlineData("watches", "watch")]
    [InlineData("classes", "class")]
    [InlineData("prices", "price")]
    [InlineData("priced", "price")]
    [InlineData("pricing", "price")]
    [InlineData("related", "relate")]
    [InlineData("agreed", "agree")]
    [InlineData("missed", "miss")]
    [InlineData("falling", "fall")]
    [InlineData("added", "add")]
    [InlineData("orders", "order")]
    [InlineData("ordered", "order")]
    [InlineData("visited", "visit")]
    public void Tokens_StemsInflections(string word, string stem)
    {
        TextNormalizer.Tokens(word).ShouldBe([stem]);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("analysis")]
    [InlineData("class")]
    [InlineData("bus")]
    [InlineData("sing")]
    [InlineData("bring")]
    [InlineData("thing")]
    [InlineData("need")]
    [InlineData("red")]
    [InlineData("kettle")]
    [InlineData("ab12s")]
    public void Tokens_LeavesWordsAlone_WhenTheyAreNotInflectedOrTooShort(string word)
    {
        TextNormalizer.Tokens(word).ShouldBe([word]);
    }

    [Fact]
    public void Tokens_KeepsNegations_AndTurnsContractedNotIntoNot()
    {
        TextNormalizer.Tokens("Customer isn't happy, can't reach support and never got nothing").ShouldBe(
            ["customer", "not", "happy", "not", "reach", "support", "never", "got", "nothing"]);
        TextNormalizer.Tokens("It doesn\u2019t work; it cannot work").ShouldBe(["not", "work", "not", "work"]);
    }

    [Fact]
    public void Tokens_DropsWhatApostrophesLeaveBehind_WhenNotANegation()
    {
        TextNormalizer.Tokens("The customer's kettle, we'll see; o'neill").ShouldBe(["customer", "kettle", "see", "o", "neill"]);
    }

    [Fact]
    public void Tokens_KeepsLettersAndDigitsOfAnyScript()
    {
        TextNormalizer.Tokens("Доставка задерживается — 配送 遅延 2024").ShouldBe(["доставка", "задерживается", "配送", "遅延", "2024"]);
    }

    [Fact]
    public void Tokens_LeavesNonEnglishWordsUnstemmed()
    {
        TextNormalizer.Tokens("Straßenbahnen naïves").ShouldBe(["straßenbahnen", "naïves"]);
    }

    [Fact]
    public void Tokens_TreatsComposedAndDecomposedAccentsAlike()
    {
        TextNormalizer.Tokens("Caf\u00E9 r\u00E9sum\u00E9").ShouldBe(TextNormalizer.Tokens("Cafe\u0301 re\u0301sume\u0301"));
        TextNormalizer.Tokens("ＫＥＴＴＬＥ").ShouldBe(["kettle"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("?!... -- ###")]
    [InlineData("It is what it is, and that is that.")]
    public void Tokens_IsEmpty_WhenThereIsNoContentWord(string text)
    {
        TextNormalizer.Tokens(text).ShouldBeEmpty();
        TextNormalizer.Normalize(text).ShouldBe(string.Empty);
    }

    [Fact]
    public void Tokens_Throws_WhenTextIsNull()
    {
        Should.Throw<ArgumentNullException>(() => TextNormalizer.Tokens(null!));
        Should.Throw<ArgumentNullException>(() => TextNormalizer.Normalize(null!));
        Should.Throw<ArgumentNullException>(() => TextNormalizer.IsStopWord(null!));
    }

    [Theory]
    [InlineData("the", true)]
    [InlineData("The", true)]
    [InlineData("very", true)]
    [InlineData("really", true)]
    [InlineData("about", true)]
    [InlineData("themselves", true)]
    [InlineData("not", false)]
    [InlineData("never", false)]
    [InlineData("without", false)]
    [InlineData("delivery", false)]
    [InlineData("", false)]
    public void IsStopWord_KnowsFunctionWords(string word, bool expected)
    {
        TextNormalizer.IsStopWord(word).ShouldBe(expected);
    }

    [Fact]
    public void Normalize_SortsTokensOrdinally_AndJoinsThemWithSingleSpaces()
    {
        TextNormalizer.Normalize("  Kettle\t\tdelivery,   LATE  ").ShouldBe("delivery kettle late");
    }

    [Fact]
    public void Normalize_IgnoresCasePunctuationStopWordsInflectionAndWordOrder()
    {
        var a = TextNormalizer.Normalize("Customers complain about late delivery of the blue kettle");
        var b = TextNormalizer.Normalize("late delivery of blue kettle: customers complaining!");

        a.ShouldBe("blue complain customer delivery kettle late");
        b.ShouldBe(a);
    }

    [Fact]
    public void Normalize_KeepsRepeatedWords()
    {
        TextNormalizer.Normalize("late, late delivery").ShouldBe("delivery late late");
    }
}
