// The Function App on the Flex Consumption plan, running as the app's user-assigned managed
// identity, with every setting the app reads (functions/config.ts) and the Functions host's own.
//
// Followed:
// - Flex Consumption resources in Bicep (plan FC1, site functionAppConfig):
//   https://learn.microsoft.com/azure/azure-functions/functions-infrastructure-as-code?pivots=flex-consumption-plan
//   and Microsoft's samples, https://github.com/Azure-Samples/azure-functions-flex-consumption-samples (IaC/bicep).
// - Always-ready instances (the `http` group): https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#always-ready-instances
//   Graph drops change notifications from endpoints slower than about 3 s: one HTTP instance is kept
//   warm so the webhooks never wait for a cold start (docs/architecture.md).
// - Settings Flex Consumption does not allow (FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION,
//   WEBSITE_RUN_FROM_PACKAGE …): the runtime is declared in functionAppConfig instead.
//   https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations
// - Identity-based host storage: https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
// - Key Vault references with a user-assigned identity (keyVaultReferenceIdentity):
//   https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#access-vaults-with-a-user-assigned-identity

param planName string

param appName string

@description('Region: one of the UK/EEA regions azure.bicep allows.')
param location string

@description('Tags for every resource.')
param tags object

@description('Resource id of the app user-assigned managed identity.')
param identityId string

@description('Client id of that identity: also the bot app id.')
param identityClientId string

@description('Entra tenant of that identity: also the bot tenant.')
param identityTenantId string

param storageAccountName string

param tableServiceUri string

param queueServiceUri string

@description('URL of the blob container Flex Consumption deploys the app package from.')
param deploymentContainerUrl string

param appInsightsName string

@description('Versionless Key Vault secret URIs (key-vault.bicep outputs).')
param fieldKeySecretUri string

param fieldKeysPreviousSecretUri string

param graphClientSecretUri string

param graphClientStateSecretUri string

param graphNotificationCertSecretUri string

param graphNotificationKeySecretUri string

param contentSafetyKeySecretUri string

@description('Entra tenant of the Microsoft Graph app registration.')
param graphTenantId string

@description('Client id of the Microsoft Graph app registration (docs/permissions.md).')
param graphClientId string

@description('The policy pack, relative to the app root.')
param policyPack string

@description('Prefix of every table and queue name.')
param tablePrefix string

param logLevel string

@description('Whether ESAFETY_FIELD_KEYS_PREVIOUS is set (during a field key rotation).')
param usePreviousFieldKeys bool

@description('Azure AI Content Safety endpoint, https://<resource>.cognitiveservices.azure.com; empty = off.')
param contentSafetyEndpoint string

@description('How the app reaches Content Safety: its managed identity (preferred) or a key from Key Vault.')
@allowed([
  'identity'
  'key'
])
param contentSafetyAuth string

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@minValue(1)
param alwaysReadyHttpInstances int

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux: Flex Consumption runs on Linux only.
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Graph and the Bot Framework call the webhooks from the internet.
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'node'
        version: '20'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: [
          {
            name: 'http'
            instanceCount: alwaysReadyHttpInstances
          }
        ]
      }
    }
  }
}

// The settings, as arrays of { name, value } so that test/unit/infra/infra-config.test.ts can read
// them and check them against functions/config.ts. A secret is never a value here: only a Key
// Vault reference to it.

// The Functions host's own: its storage by managed identity, and where it sends telemetry.
var hostSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
]

// The app's (functions/config.ts), in azure mode.
var esafetySettings = [
  {
    name: 'ESAFETY_MODE'
    value: 'azure'
  }
  // Storage by managed identity; the queue triggers read the same settings (connection 'ESAFETY_STORAGE').
  {
    name: 'ESAFETY_STORAGE__tableServiceUri'
    value: tableServiceUri
  }
  {
    name: 'ESAFETY_STORAGE__queueServiceUri'
    value: queueServiceUri
  }
  {
    name: 'ESAFETY_STORAGE__credential'
    value: 'managedidentity'
  }
  {
    name: 'ESAFETY_STORAGE__clientId'
    value: identityClientId
  }
  {
    name: 'ESAFETY_TABLE_PREFIX'
    value: tablePrefix
  }
  {
    name: 'ESAFETY_FIELD_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${fieldKeySecretUri})'
  }
  {
    name: 'ESAFETY_POLICY_PACK'
    value: policyPack
  }
  {
    name: 'ESAFETY_LOG_LEVEL'
    value: logLevel
  }
  // The bot is the managed identity itself: no app password exists.
  {
    name: 'ESAFETY_BOT_APP_ID'
    value: identityClientId
  }
  {
    name: 'ESAFETY_BOT_TENANT_ID'
    value: identityTenantId
  }
  {
    name: 'ESAFETY_BOT_APP_TYPE'
    value: 'UserAssignedMSI'
  }
  {
    name: 'ESAFETY_GRAPH_TENANT_ID'
    value: graphTenantId
  }
  {
    name: 'ESAFETY_GRAPH_CLIENT_ID'
    value: graphClientId
  }
  {
    name: 'ESAFETY_GRAPH_CLIENT_SECRET'
    value: '@Microsoft.KeyVault(SecretUri=${graphClientSecretUri})'
  }
  {
    name: 'ESAFETY_PUBLIC_URL'
    value: 'https://${site.properties.defaultHostName}'
  }
  {
    name: 'ESAFETY_GRAPH_CLIENT_STATE'
    value: '@Microsoft.KeyVault(SecretUri=${graphClientStateSecretUri})'
  }
  {
    name: 'ESAFETY_GRAPH_NOTIFICATION_CERT'
    value: '@Microsoft.KeyVault(SecretUri=${graphNotificationCertSecretUri})'
  }
  {
    name: 'ESAFETY_GRAPH_NOTIFICATION_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${graphNotificationKeySecretUri})'
  }
]

// During a field key rotation (docs/runbook.md): the earlier keys, still read.
var previousFieldKeySettings = [
  {
    name: 'ESAFETY_FIELD_KEYS_PREVIOUS'
    value: '@Microsoft.KeyVault(SecretUri=${fieldKeysPreviousSecretUri})'
  }
]

// Content Safety (optional, docs/permissions.md): with an endpoint, one of these two.
var contentSafetyByIdentity = [
  {
    name: 'ESAFETY_CONTENT_SAFETY_ENDPOINT'
    value: contentSafetyEndpoint
  }
  {
    name: 'ESAFETY_CONTENT_SAFETY_CLIENT_ID'
    value: identityClientId
  }
]

var contentSafetyByKey = [
  {
    name: 'ESAFETY_CONTENT_SAFETY_ENDPOINT'
    value: contentSafetyEndpoint
  }
  {
    name: 'ESAFETY_CONTENT_SAFETY_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${contentSafetyKeySecretUri})'
  }
]

var contentSafetySettings = empty(contentSafetyEndpoint) ? [] : (contentSafetyAuth == 'key' ? contentSafetyByKey : contentSafetyByIdentity)

var appSettings = concat(hostSettings, esafetySettings, usePreviousFieldKeys ? previousFieldKeySettings : [], contentSafetySettings)

// Its own resource (not siteConfig.appSettings) so ESAFETY_PUBLIC_URL can name the site's real host
// name. Every deployment replaces the whole set: a setting added by hand in the portal is removed.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: toObject(appSettings, setting => setting.name, setting => setting.value)
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output url string = 'https://${site.properties.defaultHostName}'
