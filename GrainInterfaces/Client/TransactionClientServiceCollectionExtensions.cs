using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrleansTwoPc.Client;

/// <summary>Registers <see cref="ITransactionClient"/> in an Orleans client's (or a silo's) services.</summary>
public static class TransactionClientServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="ITransactionClient"/> as a singleton over the host's <see cref="IGrainFactory"/>, its options bound from
    /// the <c>TwoPc:Client</c> configuration section (when the host has an <see cref="IConfiguration"/>), then
    /// <paramref name="configure"/>; validated when the host starts.
    /// </summary>
    public static IServiceCollection AddTwoPcClient(this IServiceCollection services, Action<TransactionClientOptions>? configure = null)
    {
        var options = services.AddOptions<TransactionClientOptions>();
        if (services.Any(d => d.ServiceType == typeof(ITransactionClient)))
        {
            if (configure is not null)
            {
                options.Configure(configure);
            }

            return services;
        }

        options.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(TransactionClientOptions.Section).Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ITransactionClient>(sp => new TransactionClient(sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<IOptions<TransactionClientOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <inheritdoc cref="AddTwoPcClient(IServiceCollection, Action{TransactionClientOptions})"/>
    public static IClientBuilder AddTwoPcClient(this IClientBuilder client, Action<TransactionClientOptions>? configure = null)
    {
        client.Services.AddTwoPcClient(configure);
        return client;
    }
}
