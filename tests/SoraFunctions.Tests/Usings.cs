global using Microsoft.DurableTask;
global using Microsoft.DurableTask.Client;
global using Moq;
global using SoraFunctions.Activities;
global using SoraFunctions.Jobs;
global using SoraFunctions.Orchestration;
