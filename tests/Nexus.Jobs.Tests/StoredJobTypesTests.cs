using Nexus.Jobs.HangfireSeam;

namespace Nexus.Jobs.Tests;

public class StoredJobTypesTests
{
    [Theory]
    [InlineData("Nexus.Jobs.Platform.AiJobRunner, Nexus.Jobs", typeof(AiJobRunner))]
    [InlineData("Nexus.Jobs.Callbacks.CallbackSender, Nexus.Jobs", typeof(CallbackSender))]
    [InlineData("Nexus.Jobs.Compounding.CompoundingRunner, Nexus.Jobs", typeof(CompoundingRunner))]
    [InlineData("Nexus.Jobs.Compounding.CompoundingFanOut, Nexus.Jobs", typeof(CompoundingFanOut))]
    public void AJobStoredBeforeItsEntryPointMoved_StillFindsTheEntryPoint(string storedName, Type entryPoint)
    {
        StoredJobTypes.Resolve(storedName).ShouldBe(entryPoint);
    }

    [Fact]
    public void EveryOtherName_IsResolvedAsHangfireResolvesIt()
    {
        StoredJobTypes.Resolve("Nexus.Jobs.HangfireSeam.AiJobRunner, Nexus.Jobs").ShouldBe(typeof(AiJobRunner));
        StoredJobTypes.Resolve("System.String, mscorlib").ShouldBe(typeof(string));
        Should.Throw<Exception>(() => StoredJobTypes.Resolve("Nexus.Jobs.Platform.NoSuchRunner, Nexus.Jobs"));
    }
}
