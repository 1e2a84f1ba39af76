namespace Nexus.Jobs.Compounding;

/// <summary>Confidence decay of insights that are not reinforced, and the sweep that applies it.</summary>
public static class Decay
{
    /// <summary>Changes smaller than this are not worth writing.</summary>
    private const double Epsilon = 1e-9;

    /// <summary>
    /// The confidence at <paramref name="now"/> of an insight that had <paramref name="baseConfidence"/> when last reinforced:
    /// unchanged during the grace period, then halved every half-life.
    /// </summary>
    public static double ConfidenceAt(double baseConfidence, DateTime lastReinforcedAt, DateTime now, DecayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        return Compute(baseConfidence, lastReinforcedAt, now, options.EffectiveGracePeriod, options.EffectiveHalfLife);
    }

    /// <summary>
    /// Recomputes the confidence of every active insight from its base confidence and last reinforcement. Returns a change for an
    /// insight whose stored confidence differs (by more than 1e-9) or that falls below <see cref="DecayOptions.StaleBelow"/>, in input
    /// order. Since the confidence is computed from the base confidence rather than from the stored one, applying the changes and
    /// sweeping again at the same <paramref name="now"/> yields nothing.
    /// </summary>
    public static IReadOnlyList<DecayChange> Sweep(IReadOnlyList<InsightRecord> insights, DateTime now, DecayOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        var grace = options.EffectiveGracePeriod;
        var halfLife = options.EffectiveHalfLife;
        var changes = new List<DecayChange>();
        foreach (var insight in insights)
        {
            if (insight is null || !string.Equals(insight.Status, InsightStatus.Active, StringComparison.Ordinal))
            {
                continue;
            }

            var confidence = Compute(insight.BaseConfidence, insight.LastReinforcedAt, now, grace, halfLife);
            var becomesStale = confidence < options.StaleBelow;
            if (becomesStale || Math.Abs(confidence - insight.Confidence) > Epsilon)
            {
                changes.Add(new DecayChange(insight.Id, confidence, becomesStale));
            }
        }

        return changes;
    }

    private static double Compute(double baseConfidence, DateTime lastReinforcedAt, DateTime now, TimeSpan grace, TimeSpan halfLife)
    {
        var age = now - lastReinforcedAt;
        if (age <= grace)
        {
            return baseConfidence;
        }

        var halfLives = (double)(age - grace).Ticks / halfLife.Ticks;
        return baseConfidence * Math.Pow(0.5, halfLives);
    }

    private static void Validate(DecayOptions options)
    {
        if (options.EffectiveHalfLife <= TimeSpan.Zero)
        {
            throw new ArgumentException("HalfLife must be positive.", nameof(options));
        }

        if (options.EffectiveGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentException("GracePeriod must not be negative.", nameof(options));
        }

        if (!(options.StaleBelow >= 0 && options.StaleBelow < 1))
        {
            throw new ArgumentException("StaleBelow must be in [0, 1).", nameof(options));
        }
    }
}
