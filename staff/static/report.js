// The report's Print button: the browser's own print dialog, which also saves a PDF.
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
