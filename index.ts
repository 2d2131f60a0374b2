/** The Graasp platform on AWS: read and validate the stack's configuration, build, export. */
import { loadConfig } from "./config";
import { createPlatform } from "./platform";

const platform = createPlatform(loadConfig());

export const deploymentState = platform.deploymentState;
export const environment = platform.environment;
export const url = platform.url;
export const apiUrl = platform.apiUrl;
export const loadBalancerDnsName = platform.loadBalancerDnsName;
export const databaseEndpoint = platform.databaseEndpoint;
export const services = platform.services;
export const maintenance = platform.maintenance;
export const toolbox = platform.toolbox;
