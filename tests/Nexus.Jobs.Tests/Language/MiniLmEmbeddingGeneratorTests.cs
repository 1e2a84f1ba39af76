using Microsoft.Extensions.AI;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

public sealed class MiniLmEmbeddingGeneratorTests
{
    [Fact]
    public async Task TheModelLoadsOnTheFirstEmbedding_AndGivesThePackagesVectors()
    {
        using var generator = new MiniLmEmbeddingGenerator();
        generator.IsLoaded.ShouldBeFalse("constructing the generator loads nothing");

        var embeddings = await generator.GenerateAsync(["The kettle arrived two days late.", "Das Paket kam beschädigt an."]);

        generator.IsLoaded.ShouldBeTrue();
        MiniLmEmbeddingGenerator.LoadedInProcess.ShouldBeTrue();
        embeddings.ShouldAllBe(e => e.Vector.Length == MiniLmEmbeddingGenerator.Dimensions && e.ModelId == MiniLmEmbeddingGenerator.ModelId);
        // Recorded from the weights read straight out of the package's resource: the copy the generator loads from
        // (a temporary file cut out of the assembly file) must be the same model, byte for byte.
        embeddings[0].Vector.ToArray()[..6].ShouldBe([-0.032949746f, 0.041323986f, 0.018811226f, 0.07275921f, -0.009744565f, -0.031373505f], tolerance: 1e-4f);
        embeddings[1].Vector.ToArray()[..6].ShouldBe([-0.073569275f, 0.09658421f, -0.01597581f, 0.04153655f, -0.07270068f, 0.08811656f], tolerance: 1e-4f);
        Vectors.Cosine(embeddings[0].Vector.Span, embeddings[0].Vector.Span).ShouldBe(1f, 1e-5f);
    }
}
