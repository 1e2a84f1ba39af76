using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Nexus.Jobs.Language;

/// <summary><c>Language:Embeddings</c>: which model turns text into vectors.</summary>
/// <remarks>
/// Nothing configured: all-MiniLM-L6-v2 runs offline inside the worker (<see cref="EmbeddingProviders.MiniLm"/>).
/// An OpenAI-compatible <c>/v1/embeddings</c> endpoint instead (OpenAI, Azure-hosted or self-hosted servers such as
/// vLLM, llama.cpp, Ollama, text-embeddings-inference):
/// <code>
/// Language__Embeddings__Provider=openai
/// Language__Embeddings__BaseUrl=https://api.openai.com/v1     # the part before /embeddings
/// Language__Embeddings__Model=text-embedding-3-small
/// Language__Embeddings__ApiKey=sk-...                         # optional; sent as "Authorization: Bearer ..."
/// Language__Embeddings__Dimensions=512                        # optional; only for models that can shorten vectors
/// Language__Embeddings__TimeoutSeconds=30                     # per request
/// Language__Embeddings__BatchSize=128                         # texts per request
/// </code>
/// Stored vectors are keyed by model (and, for an endpoint, its host and requested width), so switching provider or
/// model computes new vectors instead of mixing two vector spaces. Bad values fail the start, not the first job.
/// </remarks>
public sealed class EmbeddingOptions
{
    public const string Section = "Language:Embeddings";

    /// <summary><c>Provider</c>: <c>minilm</c> (the default: the offline model) or <c>openai</c> (an OpenAI-compatible endpoint).</summary>
    public string Provider { get; set; } = EmbeddingProviders.MiniLm;

    /// <summary><c>BatchSize</c>: texts the offline model runs together, or texts sent in one request to an endpoint.</summary>
    [Range(1, 2048)]
    public int BatchSize { get; set; } = 32;

    /// <summary><c>Threads</c>: ONNX Runtime's threads for the offline model; 0 uses every core.</summary>
    [Range(0, 256)]
    public int Threads { get; set; }

    /// <summary><c>BaseUrl</c> (openai only, required): the API's base, e.g. <c>https://api.openai.com/v1</c>; requests go to <c>{BaseUrl}/embeddings</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary><c>Model</c> (openai only, required): the model the endpoint runs, e.g. <c>text-embedding-3-small</c>.</summary>
    public string? Model { get; set; }

    /// <summary><c>ApiKey</c> (openai only, optional): sent as a bearer token; servers without authentication need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>Dimensions</c> (openai only, optional): asks the model for vectors this wide (text-embedding-3 can shorten them).</summary>
    [Range(1, 65_536)]
    public int? Dimensions { get; set; }

    /// <summary><c>TimeoutSeconds</c> (openai only): how long one request may take before it fails.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Whether the vectors come from an endpoint rather than the offline model.</summary>
    public bool UsesEndpoint => string.Equals(Provider?.Trim(), EmbeddingProviders.OpenAi, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The values <see cref="EmbeddingOptions.Provider"/> takes.</summary>
public static class EmbeddingProviders
{
    /// <summary>all-MiniLM-L6-v2, offline, loaded on first use (<see cref="MiniLmEmbeddingGenerator"/>).</summary>
    public const string MiniLm = "minilm";

    /// <summary>An OpenAI-compatible <c>/embeddings</c> endpoint (<see cref="HostedEmbeddingGenerator"/>).</summary>
    public const string OpenAi = "openai";
}

/// <summary>Checks <see cref="EmbeddingOptions"/> as a whole, with messages that name the setting to fix.</summary>
public sealed class EmbeddingOptionsValidator : IValidateOptions<EmbeddingOptions>
{
    private const string Prefix = EmbeddingOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, EmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var provider = options.Provider?.Trim();
        var failures = new List<string>();
        if (string.Equals(provider, EmbeddingProviders.MiniLm, StringComparison.OrdinalIgnoreCase))
        {
            // Endpoint settings beside the default provider are a half-made switch: say so rather than ignore them.
            var stray = new[] { (nameof(options.BaseUrl), options.BaseUrl), (nameof(options.Model), options.Model), (nameof(options.ApiKey), options.ApiKey) }
                .Where(s => !string.IsNullOrWhiteSpace(s.Item2)).Select(s => s.Item1)
                .Concat(options.Dimensions is null ? [] : [nameof(options.Dimensions)]).ToList();
            if (stray.Count > 0)
            {
                failures.Add($"{Prefix}{string.Join(", ", stray)} only apply to Provider '{EmbeddingProviders.OpenAi}', but Provider is " +
                    $"'{EmbeddingProviders.MiniLm}' (the default). Set {Prefix}Provider={EmbeddingProviders.OpenAi} to use the endpoint, or remove them.");
            }
        }
        else if (string.Equals(provider, EmbeddingProviders.OpenAi, StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(options.BaseUrl))
            {
                failures.Add($"{Prefix}BaseUrl is required when Provider is '{EmbeddingProviders.OpenAi}': the API's base URL, e.g. https://api.openai.com/v1.");
            }
            else if (!Uri.TryCreate(options.BaseUrl.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{Prefix}BaseUrl must be an absolute http(s) URL such as https://api.openai.com/v1, not '{options.BaseUrl}'.");
            }
            else if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                failures.Add($"{Prefix}BaseUrl must not carry credentials; put the key in {Prefix}ApiKey.");
            }
            if (string.IsNullOrWhiteSpace(options.Model))
            {
                failures.Add($"{Prefix}Model is required when Provider is '{EmbeddingProviders.OpenAi}': the model the endpoint runs, e.g. text-embedding-3-small.");
            }
        }
        else
        {
            failures.Add($"{Prefix}Provider must be '{EmbeddingProviders.MiniLm}' (the offline model, the default) or " +
                $"'{EmbeddingProviders.OpenAi}' (an OpenAI-compatible /embeddings endpoint), not '{options.Provider}'.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Registers the language core: the embedding model (loaded on first use) and the vector store.</summary>
public static class LanguageSetup
{
    public static IServiceCollection AddLanguage(this IServiceCollection services)
    {
        services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmbeddingOptions>, EmbeddingOptionsValidator>();
        // A singleton that does nothing until the first embedding: the offline model loads then, the endpoint is first
        // called then. An API-only process resolves it and never loads the model.
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            return options.UsesEndpoint
                ? new HostedEmbeddingGenerator(options)
                : new MiniLmEmbeddingGenerator(options.BatchSize, options.Threads);
        });
        services.AddSingleton<EmbeddingStore>();
        return services;
    }
}
