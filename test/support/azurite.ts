export { startAzurite, type Azurite } from '../../simulator/azurite';
