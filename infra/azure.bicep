// E-Safety for Teams in one college's own Azure subscription: everything in one resource group.
// The shape of Microsoft's Teams Toolkit / Agents Toolkit templates (azure.bicep and
// azure.parameters.json), with one module per concern under modules/. What each deploys and the
// command: infra/README.md.
//
// Every setting the Function App gets is checked against the app's configuration schema
// (functions/config.ts) by test/unit/infra/infra-config.test.ts.

targetScope = 'resourceGroup'

@description('Stem of every resource name: lower-case letters and digits, starting with a letter.')
@minLength(2)
@maxLength(11)
param prefix string = 'esafety'

// The seed policies require learners' data to stay in the UK or the EEA, so only UK and EEA
// regions are offered. Check the region offers Flex Consumption: az functionapp list-flexconsumption-locations
@description('Region of every resource except the Azure Bot (global).')
@allowed([
  'uksouth'
  'ukwest'
  'northeurope'
  'westeurope'
])
param location string = 'uksouth'

@description('Tags added to every resource, with product=e-safety-for-teams.')
param tags object = {}

@description('Storage redundancy. Geo-redundant copies go to the paired region: UK to UK, EEA to EEA.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param storageSku string = 'Standard_LRS'

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

@description('Set ESAFETY_FIELD_KEYS_PREVIOUS from Key Vault (fieldKeysPrevious): on while a field key rotation is under way.')
param usePreviousFieldKeys bool = false

@description('Azure Bot pricing tier.')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

@description('Display name of the Azure Bot resource.')
param botDisplayName string = 'E-Safety'

@description('Entra tenant of the Microsoft Graph app registration (by default, the tenant of this subscription).')
param graphTenantId string = tenant().tenantId

@description('Client id of the Microsoft Graph app registration (application permissions in docs/permissions.md).')
param graphClientId string

@description('ESAFETY_POLICY_PACK: the policy pack, relative to the app root.')
param policyPack string = 'policies/uk-fe-default.yaml'

@description('ESAFETY_TABLE_PREFIX: prefix of every table and queue name, letters and digits.')
param tablePrefix string = 'esafety'

@description('ESAFETY_LOG_LEVEL.')
@allowed([
  'debug'
  'info'
  'warn'
  'error'
  'silent'
])
param logLevel string = 'info'

@description('ESAFETY_CONTENT_SAFETY_ENDPOINT: https://<resource>.cognitiveservices.azure.com of your own Content Safety resource; empty = off.')
param contentSafetyEndpoint string = ''

@description('How the app reaches Content Safety: its managed identity (give it Cognitive Services User on the resource) or a key.')
@allowed([
  'identity'
  'key'
])
param contentSafetyAuth string = 'identity'

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('HTTP instances kept warm for the webhooks.')
@minValue(1)
param alwaysReadyHttpInstances int = 1

// Secrets: given on the command line at the first deployment, never in azure.parameters.json
// (infra/README.md). Left empty later, Key Vault keeps what it has.

@description('ESAFETY_FIELD_KEY: base64 of 32 random bytes (openssl rand -base64 32). Generate it once and keep it.')
@secure()
param fieldKey string = ''

@description('ESAFETY_FIELD_KEYS_PREVIOUS: the earlier field keys, comma-separated, during a rotation (infra/README.md).')
@secure()
param fieldKeysPrevious string = ''

@description('ESAFETY_GRAPH_CLIENT_SECRET: a client secret of the Graph app registration.')
@secure()
param graphClientSecret string = ''

@description('ESAFETY_GRAPH_CLIENT_STATE: a random secret (openssl rand -hex 32).')
@secure()
param graphClientState string = ''

@description('ESAFETY_GRAPH_NOTIFICATION_CERT: base64 of the notification certificate PEM (base64 < cert.pem | tr -d "\\n").')
@secure()
param graphNotificationCert string = ''

@description('ESAFETY_GRAPH_NOTIFICATION_KEY: base64 of its private key PEM (base64 < key.pem | tr -d "\\n").')
@secure()
param graphNotificationKey string = ''

@description('ESAFETY_CONTENT_SAFETY_KEY: only with contentSafetyAuth=key.')
@secure()
param contentSafetyKey string = ''

var allTags = union(tags, {
  product: 'e-safety-for-teams'
})

// Names that must be unique across Azure (storage, Key Vault, the app's host name, the bot) carry
// a suffix fixed by the resource group and prefix, so a redeployment finds the same resources.
var stem = toLower(prefix)
var suffix = uniqueString(resourceGroup().id, stem)
var names = {
  identity: 'id-${stem}'
  storage: take('st${stem}${suffix}', 24)
  keyVault: take('kv-${stem}-${suffix}', 24)
  logAnalytics: 'log-${stem}-${suffix}'
  appInsights: 'appi-${stem}-${suffix}'
  plan: 'plan-${stem}-${suffix}'
  functionApp: 'func-${stem}-${suffix}'
  bot: 'bot-${stem}-${suffix}'
  deploymentContainer: 'app-package'
}

// The app's identity: Storage, Key Vault and the bot all know it by this one identity.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: allTags
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    retentionInDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: allTags
    skuName: storageSku
    identityPrincipalId: identity.properties.principalId
    deploymentContainerName: names.deploymentContainer
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    name: names.keyVault
    location: location
    tags: allTags
    identityPrincipalId: identity.properties.principalId
    fieldKey: fieldKey
    fieldKeysPrevious: fieldKeysPrevious
    graphClientSecret: graphClientSecret
    graphClientState: graphClientState
    graphNotificationCert: graphNotificationCert
    graphNotificationKey: graphNotificationKey
    contentSafetyKey: contentSafetyKey
  }
}

// After storage and Key Vault (their outputs are its inputs), so the roles and secrets exist
// before the app first starts.
module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    planName: names.plan
    appName: names.functionApp
    location: location
    tags: allTags
    identityId: identity.id
    identityClientId: identity.properties.clientId
    identityTenantId: identity.properties.tenantId
    storageAccountName: storage.outputs.name
    tableServiceUri: storage.outputs.tableServiceUri
    queueServiceUri: storage.outputs.queueServiceUri
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsName: monitoring.outputs.appInsightsName
    fieldKeySecretUri: keyVault.outputs.fieldKeySecretUri
    fieldKeysPreviousSecretUri: keyVault.outputs.fieldKeysPreviousSecretUri
    graphClientSecretUri: keyVault.outputs.graphClientSecretUri
    graphClientStateSecretUri: keyVault.outputs.graphClientStateSecretUri
    graphNotificationCertSecretUri: keyVault.outputs.graphNotificationCertSecretUri
    graphNotificationKeySecretUri: keyVault.outputs.graphNotificationKeySecretUri
    contentSafetyKeySecretUri: keyVault.outputs.contentSafetyKeySecretUri
    graphTenantId: graphTenantId
    graphClientId: graphClientId
    policyPack: policyPack
    tablePrefix: tablePrefix
    logLevel: logLevel
    usePreviousFieldKeys: usePreviousFieldKeys
    contentSafetyEndpoint: contentSafetyEndpoint
    contentSafetyAuth: contentSafetyAuth
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
  }
}

module bot 'modules/azure-bot.bicep' = {
  name: 'azure-bot'
  params: {
    name: names.bot
    tags: allTags
    sku: botSku
    displayName: botDisplayName
    endpoint: '${functionApp.outputs.url}/api/messages'
    identityClientId: identity.properties.clientId
    identityId: identity.id
    identityTenantId: identity.properties.tenantId
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = functionApp.outputs.url
@description('The bot app id (the managed identity client id): botId in the Teams app manifest.')
output botAppId string = identity.properties.clientId
output botName string = bot.outputs.name
output storageAccountName string = storage.outputs.name
output keyVaultName string = keyVault.outputs.name
output appInsightsName string = monitoring.outputs.appInsightsName
