using System.Globalization;
using Nexus.Jobs.Platform;

namespace Nexus.Jobs.Tests;

public class QueuesTests
{
    private static readonly string[] PriorityOrder = [Queues.High, Queues.Normal, Queues.Low, Queues.Default];

    private static string[] SortedReversed(IComparer<string> comparer)
    {
        var names = Queues.All.Reverse().ToArray();
        Array.Sort(names, comparer);
        return names;
    }

    [Fact]
    public void All_ListsQueuesInPriorityOrder()
    {
        Queues.All.ShouldBe(PriorityOrder);
    }

    [Fact]
    public void All_SortsInPriorityOrder_WithOrdinalComparison()
    {
        var names = Queues.All.Reverse().ToArray();
        Array.Sort(names, string.CompareOrdinal);
        names.ShouldBe(PriorityOrder);
    }

    [Fact]
    public void All_SortsInPriorityOrder_WithInvariantCultureComparison()
    {
        SortedReversed(StringComparer.InvariantCulture).ShouldBe(PriorityOrder);
    }

    [Fact]
    public void All_SortsInPriorityOrder_WithInvariantCultureIgnoreCaseComparison()
    {
        SortedReversed(StringComparer.InvariantCultureIgnoreCase).ShouldBe(PriorityOrder);
    }

    [Theory]
    [InlineData("en-US")]
    [InlineData("de-DE")]
    [InlineData("sv-SE")]
    [InlineData("da-DK")]
    [InlineData("ja-JP")]
    public void All_SortsInPriorityOrder_WithCultureComparison(string culture)
    {
        SortedReversed(StringComparer.Create(CultureInfo.GetCultureInfo(culture), ignoreCase: false)).ShouldBe(PriorityOrder);
    }

    [Fact]
    public void Default_IsHangfiresDefaultQueueName()
    {
        Queues.Default.ShouldBe("default");
    }

    [Theory]
    [InlineData(Priority.High, Queues.High)]
    [InlineData(Priority.Normal, Queues.Normal)]
    [InlineData(Priority.Low, Queues.Low)]
    public void For_ReturnsQueueOfPriority(Priority priority, string expected)
    {
        Queues.For(priority).ShouldBe(expected);
    }

    [Fact]
    public void For_Throws_WhenPriorityIsUndefined()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Queues.For((Priority)99));
    }

    [Theory]
    [InlineData("high", Priority.High)]
    [InlineData("normal", Priority.Normal)]
    [InlineData("low", Priority.Low)]
    public void TryParse_ReturnsPriority_WhenNameIsKnown(string value, Priority expected)
    {
        Queues.TryParse(value, out var priority).ShouldBeTrue();
        priority.ShouldBe(expected);
    }

    [Theory]
    [InlineData("HIGH")]
    [InlineData("High")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("urgent")]
    [InlineData(" high")]
    [InlineData("1_high")]
    public void TryParse_ReturnsFalse_WhenNameIsNotExactlyKnown(string? value)
    {
        Queues.TryParse(value, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(Priority.High, "high")]
    [InlineData(Priority.Normal, "normal")]
    [InlineData(Priority.Low, "low")]
    public void Name_ReturnsWireName(Priority priority, string expected)
    {
        priority.Name().ShouldBe(expected);
    }

    [Fact]
    public void Name_RoundTripsThroughTryParse_ForEveryPriority()
    {
        foreach (var priority in Enum.GetValues<Priority>())
        {
            Queues.TryParse(priority.Name(), out var parsed).ShouldBeTrue();
            parsed.ShouldBe(priority);
        }
    }

    [Fact]
    public void For_MapsEveryPriorityToAQueueThatWorkersServe()
    {
        foreach (var priority in Enum.GetValues<Priority>())
        {
            Queues.All.ShouldContain(Queues.For(priority));
        }
    }
}
