// Key Vault: the app's secrets, which the Function App reads through Key Vault references with its
// user-assigned managed identity (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references).
//
// A secret is written only when its parameter is given. The first deployment passes them all
// (infra/README.md); a later one may leave them out and the stored values stay. That matters most
// for the field key: replacing it makes every record encrypted under it unreadable.

param name string

@description('Region: one of the UK/EEA regions azure.bicep allows.')
param location string

@description('Tags for every resource.')
param tags object

@description('Principal (object) id of the app user-assigned managed identity.')
param identityPrincipalId string

@description('ESAFETY_FIELD_KEY: base64 of 32 random bytes (openssl rand -base64 32).')
@secure()
param fieldKey string = ''

@description('ESAFETY_FIELD_KEYS_PREVIOUS: earlier field keys, comma-separated, still read during a rotation.')
@secure()
param fieldKeysPrevious string = ''

@description('ESAFETY_GRAPH_CLIENT_SECRET: a client secret of the Graph app registration.')
@secure()
param graphClientSecret string = ''

@description('ESAFETY_GRAPH_CLIENT_STATE: a random secret (openssl rand -hex 32).')
@secure()
param graphClientState string = ''

@description('ESAFETY_GRAPH_NOTIFICATION_CERT: the notification certificate, base64 of its PEM (single line).')
@secure()
param graphNotificationCert string = ''

@description('ESAFETY_GRAPH_NOTIFICATION_KEY: its private key, base64 of its PEM (single line).')
@secure()
param graphNotificationKey string = ''

@description('ESAFETY_CONTENT_SAFETY_KEY: only when Content Safety is reached with a key, not the identity.')
@secure()
param contentSafetyKey string = ''

// Built-in role: https://learn.microsoft.com/azure/key-vault/general/rbac-guide
var secretsUserRole = '4633458b-17de-408a-b874-0445c86b69e6'

var secretNames = {
  fieldKey: 'esafety-field-key'
  fieldKeysPrevious: 'esafety-field-keys-previous'
  graphClientSecret: 'graph-client-secret'
  graphClientState: 'graph-client-state'
  graphNotificationCert: 'graph-notification-cert'
  graphNotificationKey: 'graph-notification-key'
  contentSafetyKey: 'content-safety-key'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access by Azure RBAC only (no access policies); secrets survive deletion for 90 days and
    // cannot be purged early.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, secretsUserRole)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRole)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource fieldKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(fieldKey)) {
  parent: vault
  name: secretNames.fieldKey
  tags: tags
  properties: {
    value: fieldKey
    contentType: 'text/plain'
  }
}

resource fieldKeysPreviousSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(fieldKeysPrevious)) {
  parent: vault
  name: secretNames.fieldKeysPrevious
  tags: tags
  properties: {
    value: fieldKeysPrevious
    contentType: 'text/plain'
  }
}

resource graphClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(graphClientSecret)) {
  parent: vault
  name: secretNames.graphClientSecret
  tags: tags
  properties: {
    value: graphClientSecret
    contentType: 'text/plain'
  }
}

resource graphClientStateSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(graphClientState)) {
  parent: vault
  name: secretNames.graphClientState
  tags: tags
  properties: {
    value: graphClientState
    contentType: 'text/plain'
  }
}

resource graphNotificationCertSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(graphNotificationCert)) {
  parent: vault
  name: secretNames.graphNotificationCert
  tags: tags
  properties: {
    value: graphNotificationCert
    contentType: 'application/x-pem-file;base64'
  }
}

resource graphNotificationKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(graphNotificationKey)) {
  parent: vault
  name: secretNames.graphNotificationKey
  tags: tags
  properties: {
    value: graphNotificationKey
    contentType: 'application/x-pem-file;base64'
  }
}

resource contentSafetyKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(contentSafetyKey)) {
  parent: vault
  name: secretNames.contentSafetyKey
  tags: tags
  properties: {
    value: contentSafetyKey
    contentType: 'text/plain'
  }
}

output name string = vault.name

// Versionless secret URIs: the app picks up a new version of a secret within a day, or at once
// when the app restarts (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#rotation).
// Built from the vault URI (which ends with '/'), so they exist whether or not this deployment wrote
// the secret.
output fieldKeySecretUri string = '${vault.properties.vaultUri}secrets/${secretNames.fieldKey}'
output fieldKeysPreviousSecretUri string = '${vault.properties.vaultUri}secrets/${secretNames.fieldKeysPrevious}'
output graphClientSecretUri string = '${vault.properties.vaultUri}secrets/${secretNames.graphClientSecret}'
output graphClientStateSecretUri string = '${vault.properties.vaultUri}secrets/${secretNames.graphClientState}'
output graphNotificationCertSecretUri string = '${vault.properties.vaultUri}secrets/${secretNames.graphNotificationCert}'
output graphNotificationKeySecretUri string = '${vault.properties.vaultUri}secrets/${secretNames.graphNotificationKey}'
output contentSafetyKeySecretUri string = '${vault.properties.vaultUri}secrets/${secretNames.contentSafetyKey}'
