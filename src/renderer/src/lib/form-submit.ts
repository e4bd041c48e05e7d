/**
 * A form's submit handler: keeps the page where it is (no navigation) and runs `action` instead,
 * not awaited (the action reports its own errors and progress).
 */
export function submitWith(action: () => unknown): (event: SubmitEvent) => void {
  return (event) => {
    event.preventDefault()
    void action()
  }
}
