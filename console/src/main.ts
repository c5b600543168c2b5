// Entry point of the operator console (loaded by console/static/index.html as an ES module).
import { App } from './app.js';

new App(document.body).start();
