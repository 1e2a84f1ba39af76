using System.ComponentModel.DataAnnotations;

namespace Nexus.Jobs.AiJobs.Handlers;

/// <summary>One competitor price source: POST <c>{"skus":[...],"marketplace":"..."}</c>, answers <c>{"offers":[{sku, competitor, price, observed_at, title?}]}</c>.</summary>
public sealed class PriceSourceOptions
{
    [Required]
    public string Name { get; set; } = "";

    [Required]
    public string Url { get; set; } = "";

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>One LLM assistant with an OpenAI-compatible chat-completions endpoint.</summary>
public sealed class AssistantOptions
{
    [Required]
    public string Name { get; set; } = "";

    /// <summary>Base URL; the platform POSTs to <c>{BaseUrl}/chat/completions</c>.</summary>
    [Required]
    public string BaseUrl { get; set; } = "";

    [Required]
    public string Model { get; set; } = "";

    /// <summary>Sent as <c>Authorization: Bearer</c> when set. Never logged.</summary>
    public string? ApiKey { get; set; }

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;
}

/// <summary><c>AiJobs:Handlers</c>: where the built-in handlers get outside data, and the pricing guardrails.</summary>
public sealed class HandlerOptions
{
    public const string Section = "AiJobs:Handlers";

    public List<PriceSourceOptions> PriceSources { get; set; } = [];

    public List<AssistantOptions> Assistants { get; set; } = [];

    [Range(0.0, 10.0)]
    public decimal MinMarginOverCost { get; set; } = 0.15m;

    [Range(0.0, 1.0)]
    public decimal MaxPriceChangePerRun { get; set; } = 0.10m;

    [Range(0.0, 1.0)]
    public decimal CompetitorBand { get; set; } = 0.15m;

    /// <summary>Days of returns examined by return_classify when the job does not say (its <c>window_days</c>).</summary>
    [Range(1, 3650)]
    public int ReturnWindowDays { get; set; } = 30;

    /// <summary>Days before the window that form a SKU's own return-rate baseline.</summary>
    [Range(1, 3650)]
    public int ReturnBaselineDays { get; set; } = 180;

    public PricingGuardrails Guardrails() => new(MinMarginOverCost, MaxPriceChangePerRun, CompetitorBand);
}
