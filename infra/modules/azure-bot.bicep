// The Azure Bot resource and its Microsoft Teams channel, in the shape of the Teams Toolkit /
// Agents Toolkit templates (botRegistration/azurebot.bicep). The bot's identity is the app's
// user-assigned managed identity, so no app password exists to store or rotate.
// App type User-Assigned Managed Identity: https://learn.microsoft.com/azure/bot-service/abs-quickstart
//
// Location 'global'. A regional (EU) bot keeps Bot Service data in the EU but also needs the
// regional Bot Framework endpoints in the app's settings, which the app does not take yet:
// https://learn.microsoft.com/azure/bot-service/bot-builder-concept-regionalization

param name string

@description('Tags for every resource.')
param tags object

@description('F0 (free, standard channels such as Teams are unlimited) or S1.')
@allowed([
  'F0'
  'S1'
])
param sku string

@description('Name shown in the Azure portal; Teams shows the name in the app manifest.')
param displayName string

@description('Where the Bot Framework delivers activities: https://<function app host>/api/messages.')
param endpoint string

@description('Client id of the app user-assigned managed identity: the bot app id.')
param identityClientId string

@description('Resource id of that identity.')
param identityId string

@description('Entra tenant of that identity.')
param identityTenantId string

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppType: 'UserAssignedMSI'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityId
    msaAppTenantId: identityTenantId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  tags: tags
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      // Accepts the Teams channel terms of service, as the Azure portal does when the channel is added.
      acceptedTerms: true
    }
  }
}

output name string = bot.name
