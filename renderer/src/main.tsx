/** Renderer entry: pick the transport, provide queries, render the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api/api-provider';
import { getClient } from './api/get-client';
import { App } from './app';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');

createRoot(container).render(
  <StrictMode>
    <ApiProvider client={getClient()}>
      <App />
    </ApiProvider>
  </StrictMode>,
);
