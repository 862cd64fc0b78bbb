/** The app shell: navigation and the page the hash route names. */
export function App() {
  return (
    <div class="shell" data-app-ready>
      <header class="top">
        <strong>Baton</strong>
      </header>
    </div>
  );
}
