export { createGatewayApp } from './app';
export { ApiGatewayConfig } from './config';
export { apiGateway } from './service';
