// Starts Swagger UI on this server's description. It is a file rather than an inline script so
// that the page's Content-Security-Policy allows scripts from this server only.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    // The standalone layout's top bar would load any URL typed into it.
    layout: "BaseLayout",
    // The default validator badge asks a validator on another host.
    validatorUrl: null,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
    persistAuthorization: false,
  });
});
