using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Nexus.Jobs.Language;

/// <summary><c>Language:Embeddings</c>: which model turns text into vectors.</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "Language:Embeddings";

    /// <summary>Texts the offline model runs together.</summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 32;

    /// <summary>ONNX Runtime's threads for the offline model; 0 uses every core.</summary>
    [Range(0, 256)]
    public int Threads { get; set; }
}

/// <summary>Registers the language core: the embedding model (loaded on first use) and the vector store.</summary>
public static class LanguageSetup
{
    public static IServiceCollection AddLanguage(this IServiceCollection services)
    {
        services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // A singleton whose model loads on the first embedding: an API-only process resolves it and never loads it.
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            return new MiniLmEmbeddingGenerator(options.BatchSize, options.Threads);
        });
        services.AddSingleton<EmbeddingStore>();
        return services;
    }
}
