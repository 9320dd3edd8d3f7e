// Copy buttons on the links page: <button data-copy="input-id">. Progressive enhancement:
// without JavaScript the read-only inputs can still be selected and copied by hand.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  const status = document.getElementById("copy-status");
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  if (status) status.textContent = "Link copied to the clipboard.";
  setTimeout(() => { button.textContent = label; }, 2000);
});
