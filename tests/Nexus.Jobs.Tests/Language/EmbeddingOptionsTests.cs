using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Nexus.Jobs.Language;

namespace Nexus.Jobs.Tests.Language;

/// <summary><c>Language:Embeddings</c>: the provider choice, and the start refusing settings that cannot work.</summary>
public sealed class EmbeddingOptionsTests
{
    private static readonly EmbeddingOptionsValidator Validator = new();

    private static EmbeddingOptions Endpoint(Action<EmbeddingOptions>? change = null)
    {
        var options = new EmbeddingOptions { Provider = "openai", BaseUrl = "https://api.openai.com/v1", Model = "text-embedding-3-small" };
        change?.Invoke(options);
        return options;
    }

    [Fact]
    public void Validate_Succeeds_WithNothingConfigured()
    {
        var options = new EmbeddingOptions();

        Validator.Validate(null, options).Succeeded.ShouldBeTrue();
        options.Provider.ShouldBe(EmbeddingProviders.MiniLm);
        options.UsesEndpoint.ShouldBeFalse();
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("OpenAI")]
    [InlineData(" openai ")]
    public void Validate_Succeeds_ForAnEndpointWithBaseUrlAndModel(string provider)
    {
        var options = Endpoint(o => o.Provider = provider);

        var result = Validator.Validate(null, options);

        result.Succeeded.ShouldBeTrue(result.FailureMessage);
        options.UsesEndpoint.ShouldBeTrue();
    }

    [Theory]
    [InlineData("ollama")]
    [InlineData("")]
    [InlineData("mini-lm")]
    public void Validate_Fails_WhenTheProviderIsUnknown(string provider)
    {
        var result = Validator.Validate(null, new EmbeddingOptions { Provider = provider });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Language:Embeddings:Provider must be 'minilm'");
        result.FailureMessage.ShouldContain($"not '{provider}'");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void Validate_Fails_WhenAnEndpointHasNoBaseUrl(string? baseUrl)
    {
        var result = Validator.Validate(null, Endpoint(o => o.BaseUrl = baseUrl));

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Language:Embeddings:BaseUrl is required when Provider is 'openai'");
    }

    [Theory]
    [InlineData("api.openai.com/v1")]
    [InlineData("/v1")]
    [InlineData("ftp://files.example.com/v1")]
    [InlineData("not a url")]
    public void Validate_Fails_WhenTheBaseUrlIsNotAnAbsoluteHttpUrl(string baseUrl)
    {
        var result = Validator.Validate(null, Endpoint(o => o.BaseUrl = baseUrl));

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain($"Language:Embeddings:BaseUrl must be an absolute http(s) URL such as https://api.openai.com/v1, not '{baseUrl}'");
    }

    [Fact]
    public void Validate_Fails_WhenTheBaseUrlCarriesCredentials()
    {
        var result = Validator.Validate(null, Endpoint(o => o.BaseUrl = "https://user:secret@api.example.com/v1"));

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("put the key in Language:Embeddings:ApiKey");
        result.FailureMessage.ShouldNotContain("secret");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Validate_Fails_WhenAnEndpointHasNoModel(string? model)
    {
        var result = Validator.Validate(null, Endpoint(o => o.Model = model));

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Language:Embeddings:Model is required when Provider is 'openai'");
    }

    [Fact]
    public void Validate_Succeeds_ForAnEndpointWithoutApiKey()
    {
        Validator.Validate(null, Endpoint(o => o.ApiKey = null)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void Validate_Fails_WhenEndpointSettingsAreGivenButTheProviderIsStillTheOfflineModel()
    {
        var result = Validator.Validate(null, new EmbeddingOptions { BaseUrl = "https://api.openai.com/v1", Model = "text-embedding-3-small", Dimensions = 256 });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Language:Embeddings:BaseUrl, Model, Dimensions only apply to Provider 'openai'");
        result.FailureMessage.ShouldContain("Set Language:Embeddings:Provider=openai");
    }

    // ---- the same settings through configuration, as the service binds them at start

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLanguage();
        return builder.Build();
    }

    [Theory]
    [InlineData("Provider", "gpt", "Provider must be 'minilm'")]
    [InlineData("BaseUrl", "https://api.openai.com/v1", "only apply to Provider 'openai'")]
    [InlineData("BatchSize", "0", "BatchSize")]
    [InlineData("TimeoutSeconds", "0", "TimeoutSeconds")]
    public async Task Start_Fails_WithTheSettingsName_WhenASettingIsBad(string key, string value, string message)
    {
        using var host = Host(new() { [$"Language:Embeddings:{key}"] = value });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(message);
    }

    [Fact]
    public async Task Start_Fails_WhenTheEndpointsBaseUrlIsMissing()
    {
        using var host = Host(new() { ["Language:Embeddings:Provider"] = "openai", ["Language:Embeddings:Model"] = "m" });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Language:Embeddings:BaseUrl is required");
    }

    [Fact]
    public void Resolves_TheOfflineModel_NotYetLoaded_WhenNothingIsConfigured()
    {
        using var host = Host([]);

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        generator.ShouldBeOfType<MiniLmEmbeddingGenerator>().IsLoaded.ShouldBeFalse();
        generator.ShouldBeSameAs(host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(), "one per process");
    }

    [Fact]
    public void Resolves_TheEndpoint_WhenConfigured()
    {
        using var host = Host(new()
        {
            ["Language:Embeddings:Provider"] = "openai",
            ["Language:Embeddings:BaseUrl"] = "http://127.0.0.1:8080/v1",
            ["Language:Embeddings:Model"] = "nomic-embed-text",
            ["Language:Embeddings:Dimensions"] = "512",
        });

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        generator.ShouldBeOfType<HostedEmbeddingGenerator>().Endpoint.ShouldBe(new Uri("http://127.0.0.1:8080/v1/embeddings"));
        EmbeddingStore.ModelOf(generator).ShouldBe("nomic-embed-text@http://127.0.0.1:8080?dimensions=512");
    }
}
